/**
 * The monitoring lab's charts: the alarm's state over time under the DatabaseConnections metric it
 * watches (with its threshold), the slow statement as the exported log recorded it against the
 * logging threshold, and the newest Enhanced Monitoring sample read back from RDSOSMetrics.
 */
import { barChart } from './bar-chart.js';
import { DRY_RUN_REASON, epoch, type ChartBlock } from './chart-block.js';
import { formatDuration, formatNumber } from './format.js';
import { lineChart } from './line-chart.js';
import type { ReportInput } from './report-data.js';
import { num, stepBand } from './run-record.js';

export function monitoringCharts(input: ReportInput): ChartBlock[] {
  return [alarmOverTime(input), slowStatement(input), osMetrics(input)];
}

/** "Alarm updated from OK to ALARM" -> ['OK', 'ALARM']. */
export function transition(summary: unknown): [string, string] | undefined {
  const m = /from (\w+) to (\w+)/.exec(String(summary ?? ''));
  return m ? [m[1]!, m[2]!] : undefined;
}

function alarmOverTime(input: ReportInput): ChartBlock {
  const title = "The alarm's state over time, under the DatabaseConnections it watches";
  if (input.state.target === 'dry-run') return { title, notMeasured: DRY_RUN_REASON };
  const t0 = Date.parse(input.state.createdAt);
  const raw = input.state.series?.['connections']?.values?.[0] as { t?: unknown[]; v?: unknown[] } | undefined;
  const points = (raw?.t ?? []).map((t, i) => ({ t: (epoch(t) ?? NaN) - t0, v: Number(raw?.v?.[i]) })).filter((p) => Number.isFinite(p.t) && Number.isFinite(p.v)).sort((a, b) => a.t - b.t);
  const changes = ((input.state.series?.['alarmStates']?.values ?? []) as { t?: unknown; summary?: unknown }[])
    .map((h) => ({ t: (epoch(h.t) ?? NaN) - t0, states: transition(h.summary) }))
    .filter((h): h is { t: number; states: [string, string] } => Number.isFinite(h.t) && h.states !== undefined)
    .sort((a, b) => a.t - b.t);
  if (points.length === 0 && changes.length === 0) return { title, notMeasured: 'not measured: the run recorded neither the DatabaseConnections datapoints nor the alarm\'s state changes.' };
  const alarmCall = input.state.steps['alarm'];
  const threshold = num((alarmCall?.calls[0]?.input as { Threshold?: unknown } | undefined)?.Threshold) ?? num(input.state.params['connectionThreshold']);
  const period = num((alarmCall?.calls[0]?.input as { Period?: unknown } | undefined)?.Period);
  const readAt = input.state.steps['alarm-history']?.calledAt;
  // The state strip runs from the alarm's creation to the moment its history was read: before the
  // first change it was in that change's "from" state, after each change in its "to" state.
  const segments: { from: number; to: number; cls: string; label: string }[] = [];
  const start = alarmCall?.calledAt !== undefined ? alarmCall.calledAt - t0 : changes[0]?.t;
  const end = readAt !== undefined ? readAt - t0 : Math.max(...points.map((p) => p.t + (period ?? 0) * 1000), ...changes.map((c) => c.t));
  if (changes.length > 0 && start !== undefined) {
    const bounds = [start, ...changes.map((c) => c.t), end];
    const states = [changes[0]!.states[0], ...changes.map((c) => c.states[1])];
    states.forEach((s, i) => segments.push({ from: bounds[i]!, to: bounds[i + 1]!, cls: `state-${s.toLowerCase().replace(/_/g, '-')}`, label: s }));
  }
  const markers = changes.map((c) => ({ t: c.t, label: `→ ${c.states[1]}`, kind: c.states[1] === 'ALARM' ? 'call' : 'change' }));
  const bands = stepBand(input, 'load', `load: ${String(input.state.params['sessions'] ?? '?')} sessions held open`);
  const times = [...points.map((p) => p.t), ...(period ? points.map((p) => p.t + period * 1000) : []), ...segments.flatMap((s) => [s.from, s.to]), ...bands.flatMap((b) => [b.from, b.to])];
  const domain: [number, number] = [Math.min(...times), Math.max(...times)];
  const svg = lineChart({
    id: 'alarm-connections',
    series: points.length ? [{ name: `DatabaseConnections (Maximum per ${period ? `${period} s` : ''} period)`, points, step: true }] : [],
    yLabel: 'connections',
    bands,
    markers,
    domain,
    ...(threshold !== undefined ? { hlines: [{ v: threshold, label: `threshold: alarm above ${formatNumber(threshold)}` }] } : {}),
    ...(segments.length ? { strip: { label: 'alarm state from DescribeAlarmHistory (grey INSUFFICIENT_DATA, green OK, red ALARM; hover for times)', segments } } : {}),
  });
  const peak = points.reduce((m, p) => Math.max(m, p.v), 0);
  return {
    title,
    svg,
    caption: [
      points.length ? `${points.length} datapoints from GetMetricData, the alarm's own statistic and period; peak ${formatNumber(peak)} connections.` : 'No DatabaseConnections datapoints were recorded (not measured); the state strip is from the alarm history alone.',
      changes.length ? `State changes: ${changes.map((c) => `${c.states[0]} → ${c.states[1]} at ${formatDuration(c.t)}`).join('; ')}.` : 'The run recorded no state change of the alarm (not measured).',
      'An alarm judges whole periods, so it changes state at a period boundary after the metric crossed the threshold.',
    ].join(' '),
  };
}

/** The slow statement's duration as the exported log line gives it, against the logging threshold. */
function slowStatement(input: ReportInput): ChartBlock {
  const title = 'The slow statement found in CloudWatch Logs, against the slow-log threshold';
  if (input.state.target === 'dry-run') return { title, notMeasured: DRY_RUN_REASON };
  const line = input.state.vars['slowLine'];
  if (typeof line !== 'string') return { title, notMeasured: 'not measured: FilterLogEvents found no slow statement in the exported log during the run.' };
  const pg = /duration: ([\d.]+) ms/.exec(line);
  const my = /Query_time: ([\d.]+)/.exec(line);
  const loggedMs = pg ? Number(pg[1]) : my ? Number(my[1]) * 1000 : undefined;
  const params = (input.state.vars['userParameters'] ?? []) as { name?: unknown; value?: unknown }[];
  const pgLimit = num(params.find((p) => p.name === 'log_min_duration_statement')?.value);
  const myLimit = num(params.find((p) => p.name === 'long_query_time')?.value);
  const limitMs = pgLimit ?? (myLimit !== undefined ? myLimit * 1000 : undefined);
  // MySQL's slow log entry is a block: '#' header lines, `use`, SET timestamp, then the statement.
  const statement = line.includes('\n') ? line.split('\n').filter((l) => l.trim() && !/^(#|use |SET timestamp=)/i.test(l.trim())).join(' ') : line;
  const text = statement || line;
  const shown = text.length > 240 ? `${text.slice(0, 239)}…` : text;
  const stream = String(input.state.vars['slowStream'] ?? 'not measured');
  if (loggedMs === undefined) return { title, notMeasured: `not measured: the log line names no duration the report can read. The line, from stream ${stream}: ${shown}` };
  const bars = [{ label: 'logged duration', value: loggedMs, note: 'ms' }];
  if (limitMs !== undefined) bars.push({ label: pgLimit !== undefined ? 'log_min_duration_statement' : 'long_query_time', value: limitMs, note: 'ms (threshold)' });
  return {
    title,
    svg: barChart({ id: 'slow-statement', xLabel: 'ms', bars }),
    caption: `${statement !== line ? 'Statement' : 'Log line'} (stream ${stream}): “${shown.trim()}”. The server logged the statement because it ran ${formatDuration(loggedMs)}${limitMs !== undefined ? `, longer than the ${formatDuration(limitMs)} the cluster parameter group sets` : ''}. FilterLogEvents found it in the stream of the instance that ran it.`,
  };
}

interface OsDoc {
  timestamp?: string;
  cpuUtilization?: Record<string, number>;
  loadAverageMinute?: { one?: number; five?: number; fifteen?: number };
  memory?: { total?: number; free?: number };
  tasks?: { total?: number; running?: number };
  numVCPUs?: number;
}

function osMetrics(input: ReportInput): ChartBlock {
  const title = 'Enhanced Monitoring: the newest OS sample read back from RDSOSMetrics';
  if (input.state.target === 'dry-run') return { title, notMeasured: DRY_RUN_REASON };
  let doc: OsDoc | undefined;
  try {
    doc = JSON.parse(String(input.state.vars['osLatest'] ?? '')) as OsDoc;
  } catch {
    doc = undefined;
  }
  const cpu = doc?.cpuUtilization;
  if (!doc || !cpu) return { title, notMeasured: 'not measured: the run read no Enhanced Monitoring sample with CPU figures from RDSOSMetrics.' };
  // user, system, wait and idle always; the rarer parts only when the sample has some.
  const parts = ['user', 'system', 'wait', 'nice', 'irq', 'steal', 'guest', 'idle'].filter((k) => typeof cpu[k] === 'number' && (['user', 'system', 'wait', 'idle'].includes(k) || cpu[k]! > 0));
  const kb = (n: number | undefined) => (typeof n === 'number' ? `${formatNumber(n / 1024 / 1024, 2)} GiB` : 'not measured');
  const load = doc.loadAverageMinute;
  return {
    title,
    svg: barChart({ id: 'os-cpu', xLabel: input.state.target === 'local' ? 'CPU of the database processes (%)' : 'CPU (% of the host)', bars: parts.map((k) => ({ label: `cpu ${k}`, value: cpu[k]!, note: '%' })) }),
    figures: [
      ['sample time', String(doc.timestamp ?? 'not measured')],
      ['samples read', String(input.state.vars['osSamples'] ?? 'not measured')],
      ['CPU total', typeof cpu['total'] === 'number' ? `${formatNumber(cpu['total'], 2)} %` : 'not measured'],
      ['load average 1 / 5 / 15 min', load ? [load.one, load.five, load.fifteen].map((v) => (typeof v === 'number' ? formatNumber(v, 2) : '–')).join(' / ') : 'not measured'],
      ['memory free / total', `${kb(doc.memory?.free)} / ${kb(doc.memory?.total)}`],
      ['tasks (running / total)', doc.tasks ? `${doc.tasks.running ?? '–'} / ${doc.tasks.total ?? '–'}` : 'not measured'],
    ],
    caption:
      `The newest of the ${String(input.state.vars['osSamples'] ?? '?')} documents GetLogEvents returned from the stream ${String(input.state.vars['resourceId'] ?? '')} (the instance's DbiResourceId), ` +
      `read after the load had ended, so an idle CPU is what it should show. ` +
      (input.state.target === 'local'
        ? "Locally the CPU figures are the database server's own processes (/proc), while the load average and memory are this machine's, whatever else runs on it."
        : "Enhanced Monitoring's agent reads these from the instance's host OS, not from the database engine."),
  };
}
