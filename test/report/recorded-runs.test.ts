/**
 * The charts of the labs that changed last session, drawn from the records of real local runs
 * (test/fixtures/reports: trimmed state and probe files), hold to what those runs measured, and say
 * "not measured" when a record is missing instead of drawing something.
 */
import { describe, expect, it } from 'vitest';
import type { ChartBlock } from '../../src/report/chart-block.js';
import { labCharts } from '../../src/report/lab-charts.js';
import { recorded } from './recorded-input.js';

const svgOf = (blocks: ChartBlock[], id: string) => blocks.map((b) => ('svg' in b ? b.svg : '')).find((s) => s.includes(`data-chart="${id}"`));
const block = (blocks: ChartBlock[], titleStart: string) => blocks.find((b) => b.title.startsWith(titleStart));
const attrs = (svg: string, re: RegExp) => [...svg.matchAll(re)].map((m) => m[1]);

describe('point-in-time-recovery, from a real local run', () => {
  const input = recorded('point-in-time-recovery');
  const moment = Date.parse(input.state.vars['restoreTime'] as string);
  const batches = input.state.series!['batchCommits']!.values as { batch: number; committed_ms: string }[];

  it("draws each batch at its commit time relative to RestoreToTime, the window ending at that moment, and zooms on them", () => {
    const blocks = labCharts(input);
    const svg = svgOf(blocks, 'pitr-moment')!;
    const expected = batches.map((b) => String(Number(b.committed_ms) - moment));
    expect(attrs(svg, /class="point kept" data-t-ms="(-?[\d.]+)"/g)).toEqual(expected);
    const earliest = Date.parse(input.state.vars['earliestRestorable'] as string);
    expect(svg).toContain(`class="seg window" data-from-ms="${earliest - moment}" data-to-ms="0"`);
    expect(svg).toMatch(/data-marker="change" data-t-ms="0"/);
    // The restore's bar is as long as restoreMs; the mistake is the step's own span.
    expect(svg).toContain(`data-duration-ms="${input.state.measurements['restoreMs']}"`);
    expect(svg).toContain('data-step="the-mistake"');
    expect(svgOf(blocks, 'pitr-moment-zoom')).toBeDefined();
  });

  it('sets the orders the moment should bring back beside those the restored cluster holds, with batches and checksums', () => {
    const blocks = labCharts(input);
    const svg = svgOf(blocks, 'pitr-restored')!;
    expect(svg).toContain('data-label="committed before the moment" data-value="1500"');
    expect(svg).toContain('data-label="in the restored cluster" data-value="1500"');
    expect(svg).toContain('data-label="batch 4 restored" data-value="0"');
    const b = block(blocks, 'What came back') as { figures: [string, string][] };
    expect(b.figures).toContainEqual(['batches restored / committed before the moment', '3 / 3 (last: batch 3)']);
    expect(b.figures.find(([k]) => k.startsWith('checksum'))![1]).toContain('(equal)');
  });

  it('draws the batches from the ledger the batches step captured when the run stopped before recording the series', () => {
    const ledger = batches;
    const blocks = labCharts(recorded('point-in-time-recovery', (s) => {
      s.vars['batchLedger'] = s.series!['batchCommits']!.values;
      delete s.series;
      delete s.measurements['restoreMs'];
    }));
    const svg = svgOf(blocks, 'pitr-moment')!;
    expect(attrs(svg, /class="point kept" data-t-ms="(-?[\d.]+)"/g)).toHaveLength(ledger.length);
    expect(svg).not.toContain('data-duration-ms');
  });

  it('colours a batch committed after RestoreToTime apart from those before it', () => {
    // The moment read 1 ms before batch 3 committed: batch 3 must come out as after it.
    const third = Number(batches[2]!.committed_ms);
    const svg = svgOf(labCharts(recorded('point-in-time-recovery', (s) => {
      s.vars['restoreTime'] = new Date(third - 1).toISOString();
    })), 'pitr-moment')!;
    expect(attrs(svg, /class="point (\w+)" data-t-ms/g)).toEqual(['kept', 'kept', 'after']);
  });

  it('says not measured when the run recorded no batch commit times, or no window', () => {
    const noSeries = labCharts(recorded('point-in-time-recovery', (s) => {
      delete s.series;
      delete s.vars['batchLedger'];
    }));
    expect(block(noSeries, 'The chosen moment')).toMatchObject({ notMeasured: expect.stringContaining('batchCommits') });
    const noWindow = labCharts(recorded('point-in-time-recovery', (s) => delete s.vars['restoreTime']));
    expect(block(noWindow, 'The chosen moment')).toMatchObject({ notMeasured: expect.stringContaining('not measured') });
    const noCounts = labCharts(recorded('point-in-time-recovery', (s) => delete s.vars['restoredOrders']));
    expect(block(noCounts, 'What came back')).toMatchObject({ notMeasured: expect.stringContaining('not measured') });
  });
});

describe('monitoring, from a real local run', () => {
  const input = recorded('monitoring');

  it("strips the alarm's states in the order its history gives them, under DatabaseConnections and the threshold it was created with", () => {
    const svg = svgOf(labCharts(input), 'alarm-connections')!;
    expect(attrs(svg, /data-state="(\w+)"/g)).toEqual(['INSUFFICIENT_DATA', 'ALARM', 'OK']);
    expect(svg).toContain('data-threshold="5"');
    expect(svg).toMatch(/data-series="DatabaseConnections[^"]*" data-points="6"/);
    // Each state change is a marker at the time DescribeAlarmHistory gave it.
    const t0 = Date.parse(input.state.createdAt);
    const changes = (input.state.series!['alarmStates']!.values as { t: string }[]).map((h) => String(Date.parse(h.t) - t0));
    expect(attrs(svg, /data-marker="\w+" data-t-ms="(-?[\d.]+)"/g)).toEqual(changes);
  });

  it('bars the slow statement as the log recorded it against log_min_duration_statement, and the newest OS sample', () => {
    const blocks = labCharts(input);
    const slow = svgOf(blocks, 'slow-statement')!;
    expect(slow).toContain('data-label="logged duration" data-value="2001.037"');
    expect(slow).toContain('data-label="log_min_duration_statement" data-value="1000"');
    const os = svgOf(blocks, 'os-cpu')!;
    expect(os).toContain('data-label="cpu idle" data-value="99.95"');
  });

  it("reads Aurora MySQL's slow log entry: Query_time against long_query_time, the statement out of its header lines", () => {
    // The entry a local aurora-mysql run of the lab found (run fh9ca7), as FilterLogEvents returned it.
    const entry = '# Time: 261202  3:56:25\n# User@Host: labadmin[labadmin] @  [127.0.0.1]\n# Thread_id: 10  Schema: lab  QC_hit: No\n# Query_time: 2.000241  Lock_time: 0.000000  Rows_sent: 1  Rows_examined: 0\n# Rows_affected: 0  Bytes_sent: 61\nuse `lab`;\nSET timestamp=1796183785;\nselect sleep(2) as slept;';
    const blocks = labCharts(recorded('monitoring', (s) => {
      s.engine = 'aurora-mysql';
      s.vars['slowLine'] = entry;
      s.vars['userParameters'] = [{ name: 'log_output', value: 'FILE' }, { name: 'long_query_time', value: '1' }, { name: 'slow_query_log', value: '1' }];
    }));
    const svg = svgOf(blocks, 'slow-statement')!;
    expect(svg).toContain('data-label="logged duration" data-value="2000.241"');
    expect(svg).toContain('data-label="long_query_time" data-value="1000"');
    expect((block(blocks, 'The slow statement') as { caption: string }).caption).toContain('“select sleep(2) as slept;”');
  });

  it('says not measured when the run kept neither series nor history, no log line and no OS sample', () => {
    const blocks = labCharts(recorded('monitoring', (s) => {
      delete s.series;
      delete s.vars['slowLine'];
      delete s.vars['osLatest'];
    }));
    expect(block(blocks, "The alarm's state")).toMatchObject({ notMeasured: expect.stringContaining('not measured') });
    expect(block(blocks, 'The slow statement')).toMatchObject({ notMeasured: expect.stringContaining('not measured') });
    expect(block(blocks, 'Enhanced Monitoring')).toMatchObject({ notMeasured: expect.stringContaining('not measured') });
  });

  it('draws the state strip without a metric line when only the alarm history was kept', () => {
    const svg = svgOf(labCharts(recorded('monitoring', (s) => delete s.series!['connections'])), 'alarm-connections')!;
    expect(svg).not.toContain('data-series=');
    expect(attrs(svg, /data-state="(\w+)"/g)).toEqual(['INSUFFICIENT_DATA', 'ALARM', 'OK']);
  });
});

describe('global-database, from a real local run', () => {
  const input = recorded('global-database');
  const m = input.state.measurements as Record<string, number>;

  it('marks as lost exactly as many acknowledged writes as the run counted missing, and the first write the secondary took', () => {
    const svg = svgOf(labCharts(input), 'global-failover')!;
    expect((svg.match(/data-state="lost"/g) ?? []).length).toBe(m['oldPrimaryLostWrites']);
    expect(svg).toMatch(new RegExp(`data-marker="change" data-t-ms="${m['failoverWritesMs']}"`));
    expect(svg).toMatch(/data-marker="call" data-t-ms="0"/);
    // The secondary region refused writes until the call and acknowledged none before it.
    const target = (state: string) => attrs(svg, new RegExp(`data-t-ms="(-?[\\d.]+)" data-seq="-?\\d+" data-state="${state}" data-probe="target"`, 'g')).map(Number);
    expect(target('kept').length).toBeGreaterThan(0);
    expect(Math.min(...target('kept'))).toBeGreaterThanOrEqual(0);
    expect(target('refused').some((t) => t < 0)).toBe(true);
  });

  it('marks no write lost when the run did not prove the survivors a consistent prefix', () => {
    const blocks = labCharts(recorded('global-database', (s) => {
      s.checks = s.checks.map((c) => (c.name.includes('consistent prefix') ? { ...c, passed: false } : c));
    }));
    expect(svgOf(blocks, 'global-failover')).not.toContain('data-state="lost"');
    expect((block(blocks, 'The failover with AllowDataLoss') as { caption: string }).caption).toContain('not known');
  });

  it('bars the span of the writes lost against the lag just before, and the recovery times from the call', () => {
    const blocks = labCharts(input);
    const point = svgOf(blocks, 'global-recovery-point')!;
    expect(point).toContain(`data-label="replication lag just before" data-value="${m['lagBeforeFailoverMs']}"`);
    expect(point).toContain(`data-label="span of the writes lost" data-value="${m['oldPrimaryLostWritesWindowMs']}"`);
    const time = svgOf(blocks, 'global-recovery-time')!;
    for (const n of ['failoverWritesMs', 'globalFailoverMs', 'rejoinMs']) expect(time).toContain(`data-value="${m[n]}"`);
    expect(svgOf(blocks, 'globalLagMs')).toContain(`data-value="${m['lagBeforeFailoverMs']}"`);
  });

  it('says not measured when no probe file was saved', () => {
    const blocks = labCharts(recorded('global-database', (_s, probes) => {
      delete probes['oldPrimary'];
      delete probes['target'];
    }));
    expect(block(blocks, 'The failover with AllowDataLoss')).toMatchObject({ notMeasured: expect.stringContaining('no probe timeline') });
  });
});

describe('performance-insights and snapshot-migration, from real local runs', () => {
  it("bars the scan's load before and after the index under the reworked lab's names, and the wait events", () => {
    const input = recorded('performance-insights');
    const blocks = labCharts(input);
    expect(svgOf(blocks, 'scanLoad')).toContain(`data-label="without the index" data-value="${input.state.measurements['scanLoadBefore']}"`);
    expect(svgOf(blocks, 'scanLoad')).toContain(`data-label="with the index" data-value="${input.state.measurements['scanLoadAfter']}"`);
    const waits = svgOf(blocks, 'waitEvents')!;
    expect(attrs(waits, /data-label="([^"]+)"/g)).toEqual((input.state.vars['waits'] as { wait: string }[]).map((w) => w.wait));
    const none = labCharts(recorded('performance-insights', (s) => delete s.vars['waits']));
    expect(block(none, 'What the load waited on')).toMatchObject({ notMeasured: expect.stringContaining('not measured') });
  });

  it("calls three equal checksums equal, a side without one not measured, and bars the reader's ACU in its range", () => {
    const blocks = labCharts(recorded('snapshot-migration'));
    expect((block(blocks, 'Rows and checksums') as { caption: string }).caption).toContain('all equal');
    expect(svgOf(blocks, 'readerCapacity')).toContain('data-label="reader, newest datapoint" data-value="0.5"');
    const partial = labCharts(recorded('snapshot-migration', (s) => {
      (s.series!['rowsAndChecksums']!.values[2] as { checksum?: string }).checksum = '';
      delete s.measurements['serverlessReaderCapacity'];
    }));
    expect((block(partial, 'Rows and checksums') as { caption: string }).caption).toContain('not measured on Aurora Serverless v2 reader');
    expect(block(partial, "The Serverless v2 reader's capacity")).toMatchObject({ notMeasured: expect.stringContaining('not measured') });
  });
});
