/// <reference lib="dom" />
/**
 * Debian's headless Chromium driven by playwright-core, with a fresh profile, no network: every request
 * other than the one file opened is recorded and aborted, so a test can fail on it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface Browser {
  open(file: string): Promise<{ page: Page; consoleErrors: string[]; requests: string[] }>;
  /** Pixel variance of a PNG (decoded by the browser itself): near 0 for a blank page. */
  variance(png: Buffer): Promise<number>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'alab-chromium-'));
  const context: BrowserContext = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: ARGS, headless: true, viewport: { width: 1060, height: 900 } });
  return {
    async open(file) {
      const url = pathToFileURL(file).href;
      const page = await context.newPage();
      const consoleErrors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') consoleErrors.push(m.text());
      });
      page.on('pageerror', (e) => consoleErrors.push(e.message));
      await page.route('**/*', (route) => {
        if (route.request().url() === url) return route.continue();
        requests.push(route.request().url());
        return route.abort();
      });
      await page.goto(url, { waitUntil: 'load' });
      return { page, consoleErrors, requests };
    },
    async variance(png) {
      const page = await context.newPage();
      try {
        return await page.evaluate(async (b64) => {
          const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
          const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
          const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
          const ctx = canvas.getContext('2d')!;
          ctx.drawImage(bitmap, 0, 0);
          const { data } = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
          let sum = 0;
          let sq = 0;
          const n = data.length / 4;
          for (let i = 0; i < data.length; i += 4) {
            const l = 0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]!;
            sum += l;
            sq += l * l;
          }
          return sq / n - (sum / n) ** 2;
        }, png.toString('base64'));
      } finally {
        await page.close();
      }
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The failover chart's shaded outage windows, as the SVG states them. */
export async function outageRects(page: Page, chartId: string) {
  return page.$$eval(`svg[data-chart="${chartId}"]`, (svgs) => {
    const svg = svgs[0] as SVGSVGElement | undefined;
    if (!svg) return undefined;
    const num = (el: Element, a: string) => Number(el.getAttribute(a));
    return {
      t0: num(svg, 'data-t0-ms'),
      t1: num(svg, 'data-t1-ms'),
      left: num(svg, 'data-plot-left'),
      right: num(svg, 'data-plot-right'),
      rects: Array.from(svg.querySelectorAll("rect.outage, rect.outage-open")).map((r) => ({
        lane: r.getAttribute('data-lane'),
        open: r.getAttribute('data-open') === 'true',
        from: num(r, 'data-from-ms'),
        to: num(r, 'data-to-ms'),
        duration: r.hasAttribute('data-duration-ms') ? num(r, 'data-duration-ms') : undefined,
        x: num(r, 'x'),
        width: num(r, 'width'),
      })),
    };
  });
}
