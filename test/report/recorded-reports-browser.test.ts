/**
 * The reports of the labs charted from real local runs (test/fixtures/reports) open in headless
 * Chromium with no console error and no request, and every chart they draw renders as a picture
 * that is not blank.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportPage } from '../../src/report/page.js';
import { launchBrowser, type Browser } from '../helpers/browser.js';
import { RECORDED_LABS, recorded } from './recorded-input.js';

let browser: Browser;
let dir: string;

beforeAll(async () => {
  browser = await launchBrowser();
  dir = mkdtempSync(path.join(os.tmpdir(), 'alab-recorded-report-'));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.each(RECORDED_LABS)("the %s report from a real local run's record", (lab) => {
  it('opens with no console error and no request, and each chart renders as a picture that is not blank', async () => {
    const file = path.join(dir, `${lab}.html`);
    writeFileSync(file, reportPage(recorded(lab)));
    const { page, consoleErrors, requests } = await browser.open(file);
    try {
      expect(consoleErrors).toEqual([]);
      expect(requests).toEqual([]);
      const charts = page.locator('svg.chart');
      const n = await charts.count();
      expect(n).toBeGreaterThanOrEqual(3);
      for (let i = 0; i < n; i++) {
        const png = await charts.nth(i).screenshot();
        expect(await browser.variance(png), `chart ${i} of ${lab}`).toBeGreaterThan(100);
      }
    } finally {
      await page.close();
    }
  });
});
