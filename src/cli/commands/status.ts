import { ExitCode, type ExitCodeValue } from '../../errors.js';
import { accruedDollars } from '../../labs/estimate.js';
import { printJson, printText, table } from '../../output/print.js';
import { makeChalk, outputSettings } from '../../output/style.js';
import { listRuns } from '../../state/run-state.js';
import type { GlobalOptions } from '../settings.js';

export async function statusCommand(g: GlobalOptions, _o: { all?: boolean }): Promise<ExitCodeValue> {
  const { runs, unreadable } = await listRuns();
  const rows = runs.map((s) => {
    const live = s.resources.filter((r) => r.status !== 'deleted');
    const instances = live.filter((r) => r.type === 'db-instance').map(() => ({ instanceClass: String(s.params.instanceClass || 'db.t4g.medium') }));
    return {
      runId: s.runId,
      lab: s.lab,
      engine: s.engine,
      target: s.target,
      region: s.region,
      status: s.status,
      createdAt: s.createdAt,
      expiresAt: s.expiresAt,
      liveResources: live.map((r) => ({ type: r.type, id: r.id, region: r.region })),
      checks: { passed: s.checks.filter((c) => c.passed).length, total: s.checks.length },
      accruedDollars: s.target === 'aws' && instances.length > 0 ? accruedDollars(instances, s.createdAt) : 0,
    };
  });
  if (g.json) {
    printJson({ runs: rows, unreadable });
    return ExitCode.ok;
  }
  const c = makeChalk(outputSettings(g));
  if (rows.length === 0) {
    printText('No runs yet. Try: aurora-lab run cluster-launch --dry-run');
  } else {
    const out = [['RUN', 'LAB', 'TARGET', 'STATUS', 'LIVE', 'CHECKS', 'COST SO FAR', 'STARTED'].map((h) => c.bold(h))];
    for (const r of rows) {
      out.push([r.runId, r.lab, r.target, r.status, r.liveResources.length ? c.yellow(String(r.liveResources.length)) : '0', `${r.checks.passed}/${r.checks.total}`, r.target === 'aws' ? `$${r.accruedDollars.toFixed(2)}` : '-', r.createdAt.replace('T', ' ').slice(0, 16)]);
    }
    printText(table(out));
  }
  for (const u of unreadable) process.stderr.write(`${c.yellow('warning:')} run ${u.runId}: ${u.error}\n`);
  return ExitCode.ok;
}
