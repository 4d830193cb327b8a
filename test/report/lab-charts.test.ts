/**
 * Each lab's chart is drawn from what its run recorded (the series in state, step times, measurements),
 * and says "not measured" when the record is missing, instead of drawing an empty or invented chart.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDocument } from '../../src/engine/result.js';
import { labsDir, parseLab } from '../../src/labs/loader.js';
import { labCharts } from '../../src/report/lab-charts.js';
import type { ReportInput } from '../../src/report/report-data.js';
import type { RunState } from '../../src/state/run-state.js';

const T0 = Date.parse('2026-12-01T10:00:00.000Z');
const iso = (ms: number) => new Date(T0 + ms).toISOString();

function input(labName: string, over: Partial<RunState>): ReportInput {
  const lab = parseLab(readFileSync(path.join(labsDir(), `${labName}.yaml`), 'utf8'), `${labName}.yaml`);
  const state = {
    version: 1, runId: 'r1', lab: labName, labFile: '', engine: 'aurora-postgresql', target: 'local', region: 'us-east-1', params: {}, status: 'succeeded',
    keep: false, createdAt: iso(0), updatedAt: iso(60_000), expiresAt: iso(3_600_000), steps: {}, vars: {}, measurements: {}, checks: [], resources: [],
    ...over,
  } as RunState;
  return { state, lab, doc: runDocument(lab, state, []), facts: [], probes: {}, dir: '/tmp/x' };
}

const chart = (blocks: ReturnType<typeof labCharts>, id: string) => blocks.map((b) => ('svg' in b ? b.svg : '')).find((s) => s.includes(`data-chart="${id}"`));

describe("each lab's charts", () => {
  it('serverless-v2: capacity from the CloudWatch series (sorted), the load period shaded, the pause marked', () => {
    const t = [30_000, 10_000, 20_000, 40_000].map(iso);
    const blocks = labCharts(input('serverless-v2', {
      series: { capacity: { unit: 'ACU', values: [{ t, v: [4, 0.5, 6, 0] }] } },
      steps: { load: { status: 'done', startedAt: iso(12_000), endedAt: iso(32_000), calls: [] } },
      vars: { scaling: { MinCapacity: 0, MaxCapacity: 8 } },
    }));
    const svg = chart(blocks, 'capacity')!;
    expect(svg).toContain('data-points="4"');
    expect(svg).toContain('data-from-ms="12000" data-to-ms="32000"');
    expect(svg).toMatch(/data-marker="change" data-t-ms="40000"/);
  });

  it('serverless-v2 on the local target without a series says it was not measured', () => {
    const blocks = labCharts(input('serverless-v2', {}));
    expect(blocks.find((b) => b.title.startsWith('Serverless v2 capacity'))).toMatchObject({ notMeasured: expect.stringContaining('not measured') });
  });

  it('performance-insights: one line per statement, the top statement highlighted', () => {
    const points = (v: number) => [0, 1000, 2000].map((ms) => ({ t: iso(ms), v }));
    const blocks = labCharts(input('performance-insights', {
      series: { loadByStatement: { values: [{ statement: 'select pg_sleep($1)', points: points(4) }, { statement: 'select 1', points: points(0.01) }] } },
      measurements: { topStatement: 'select pg_sleep($1)' },
    }));
    const svg = chart(blocks, 'loadByStatement')!;
    expect(svg).toMatch(/class="series s0 highlight" data-series="select pg_sleep\(\$1\)"/);
    expect(svg).toMatch(/class="series s1" data-series="select 1"/);
  });

  it("performance-insights: the scanning statement's load without and with the index as two bars, or not measured", () => {
    const blocks = labCharts(input('performance-insights', { measurements: { scanLoadBefore: 4.06, scanLoadAfter: 0.0049 } }));
    const svg = chart(blocks, 'scanLoad')!;
    expect(svg).toContain('data-label="without the index" data-value="4.06"');
    expect(svg).toContain('data-label="with the index" data-value="0.0049"');
    const unmeasured = labCharts(input('performance-insights', { measurements: { scanLoadBefore: 4.06 } }));
    expect(unmeasured.find((b) => b.title.includes('without and with the index'))).toMatchObject({ notMeasured: expect.stringContaining('not measured') });
  });

  it('cluster-launch: one bar per reader from the per-item replica lag', () => {
    const blocks = labCharts(input('cluster-launch', { series: { replicaLagMs: { unit: 'ms', values: [{ item: 'al-r1-1', value: 9 }, { item: 'al-r1-2', value: 16 }] } } }));
    const svg = chart(blocks, 'replicaLagMs')!;
    expect(svg).toContain('data-label="al-r1-1" data-value="9"');
    expect(svg).toContain('data-label="al-r1-2" data-value="16"');
  });

  it('snapshot-migration: rows side by side and whether the checksums are equal', () => {
    const blocks = labCharts(input('snapshot-migration', { series: { rowsAndChecksums: { values: [{ side: 'RDS source', rows: 10, checksum: 'abc' }, { side: 'Aurora', rows: 10, checksum: 'abc' }] } } }));
    const block = blocks.find((b) => 'svg' in b && b.svg.includes('data-chart="rowsAndChecksums"'));
    expect(block && 'caption' in block ? block.caption : '').toContain('equal: every row arrived unchanged');
  });

  it('global-database: the lag across regions, and the switchover marked on the run timeline', () => {
    const blocks = labCharts(input('global-database', {
      measurements: { globalLagMs: 5, secondaryRegion: 'us-west-2', switchoverMs: 500 },
      steps: {
        switchover: { status: 'done', startedAt: iso(1000), endedAt: iso(1100), calledAt: T0 + 1050, calls: [] },
        'wait-switchover': { status: 'done', startedAt: iso(1100), endedAt: iso(1600), calls: [] },
      },
    }));
    expect(chart(blocks, 'globalLagMs')).toContain('data-value="5"');
    const timeline = chart(blocks, 'run-timeline')!;
    expect(timeline).toContain('data-marker="call" data-t-ms="1050"');
    expect(timeline).toContain('data-marker="change" data-t-ms="1550"');
  });
});
