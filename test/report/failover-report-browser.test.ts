/**
 * After `run failover --local --keep`, `aurora-lab report` writes a page that headless Chromium opens
 * with no console error and no request, whose shaded write outage is the outage the run measured,
 * and whose screenshot is not blank. A dry run's report renders in the same browser too.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, outageRects, type Browser } from '../helpers/browser.js';
import { localCli, type LocalCli } from '../helpers/local-cli.js';

let lab: LocalCli;
let browser: Browser;
let doc: any;
let reportFile: string;

beforeAll(async () => {
  lab = await localCli();
  const run = await lab.runLab('failover', ['--keep']);
  doc = run.doc;
  expect(run.r.code, run.r.stderr.slice(-2000)).toBe(0);
  const r = await lab.cli(['report', '--json']);
  expect(r.code, r.stderr).toBe(0);
  reportFile = JSON.parse(r.stdout).path;
  browser = await launchBrowser();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  if (lab) {
    await lab.cli(['teardown', doc?.runId ?? '', '--yes'], 120_000).catch(() => undefined);
    await lab.close();
  }
}, 180_000);

describe('the failover report in headless Chromium', () => {
  it('is written into the run directory of the newest run', () => {
    expect(path.dirname(reportFile)).toBe(path.join(lab.env.home, 'runs', doc.runId));
    expect(readFileSync(reportFile, 'utf8')).toContain(`data-verdict="${doc.status}"`);
  });

  it('opens with no console error and sends no request', async () => {
    const { page, consoleErrors, requests } = await browser.open(reportFile);
    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([]);
    expect(await page.title()).toContain('failover');
    await page.close();
  });

  it("shades exactly the write outage windows the probe measured, as long as the run's writeOutageMs", async () => {
    const { page } = await browser.open(reportFile);
    const probe = JSON.parse(readFileSync(path.join(path.dirname(reportFile), 'probe-failover.json'), 'utf8'));
    const chart = await outageRects(page, 'probe-failover');
    expect(chart).toBeDefined();
    const writes = chart!.rects.filter((r) => r.lane === 'write' && !r.open);
    expect(writes.length).toBe(probe.report.writeWindows.length);
    const longest = writes.reduce((m, r) => Math.max(m, r.duration ?? 0), 0);
    expect(longest).toBeCloseTo(doc.measurements.writeOutageMs, 6);
    // Each rect spans its window on the chart's own time scale.
    const pxPerMs = (chart!.right - chart!.left) / (chart!.t1 - chart!.t0);
    for (const r of writes) {
      expect(r.to - r.from).toBeCloseTo(r.duration!, 6);
      expect(r.x).toBeCloseTo(chart!.left + (r.from - chart!.t0) * pxPerMs, 0);
      expect(Math.abs(r.width - Math.max(1, (r.to - r.from) * pxPerMs))).toBeLessThan(0.6);
    }
    // The call and the writer change are marked.
    const markers = await page.$$eval('svg[data-chart="probe-failover"] [data-marker]', (els) => els.map((e) => e.getAttribute('data-marker')));
    expect(markers).toEqual(expect.arrayContaining(['call', 'change']));
    await page.close();
  });

  it('renders a screenshot that is not blank', async () => {
    const { page } = await browser.open(reportFile);
    const png = await page.screenshot({ fullPage: true });
    expect(await browser.variance(png)).toBeGreaterThan(100);
    const chart = await page.locator('svg[data-chart="probe-failover"]').screenshot();
    expect(await browser.variance(chart)).toBeGreaterThan(100);
    await page.close();
  });

  it("renders a dry run's report with its not-measured notes and no chart", async () => {
    const run = await lab.cli(['run', 'failover', '--dry-run', '--engine', 'aurora-mysql', '--yes', '--json']);
    expect(run.code, run.stderr.slice(-1500)).toBe(0);
    const r = await lab.cli(['report', '--json']);
    const { page, consoleErrors, requests } = await browser.open(JSON.parse(r.stdout).path);
    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([]);
    expect(await page.locator('[data-dry-run]').count()).toBe(1);
    expect(await page.locator('svg.chart').count()).toBe(0);
    expect(await page.locator('[data-not-measured]').count()).toBeGreaterThan(0);
    await page.close();
  });
});
