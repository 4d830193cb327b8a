/** The local target's CloudWatch Logs sources: PostgreSQL's log and MariaDB's slow log as events, and /proc samples. */
import { describe, expect, it } from 'vitest';
import { localLogsProvider } from '../../src/local/logs/local-logs.js';
import { parseSlowLog } from '../../src/local/logs/maria-log.js';
import { parsePgLog } from '../../src/local/logs/pg-log.js';
import { processInfo, treeCpuTicks } from '../../src/local/logs/proc-info.js';

describe('PostgreSQL log entries', () => {
  it('makes one event per entry, timestamped from its prefix, with continuation lines kept', () => {
    const text = [
      'some line before the first prefix',
      '2026-12-01 23:45:50.861 UTC [29246] LOG:  duration: 2001.543 ms  execute <unnamed>: select pg_sleep($1) as slept',
      '2026-12-01 23:45:50.861 UTC [29246] DETAIL:  parameters: $1 = \'2\'',
      '2026-12-01 23:45:51.002 UTC [29246] ERROR:  relation "x" does not exist at character 15',
      '\tcontinued',
      '',
    ].join('\n');
    const events = parsePgLog(text);
    expect(events.map((e) => e.timestamp)).toEqual([Date.UTC(2026, 11, 1, 23, 45, 50, 861), Date.UTC(2026, 11, 1, 23, 45, 50, 861), Date.UTC(2026, 11, 1, 23, 45, 51, 2)]);
    expect(events[0]!.message).toContain('duration: 2001.543 ms');
    expect(events[2]!.message).toBe('2026-12-01 23:45:51.002 UTC [29246] ERROR:  relation "x" does not exist at character 15\n\tcontinued');
  });
});

describe('MariaDB slow log entries', () => {
  it('makes one event per statement, dated by its SET timestamp, the # Time line kept with the first', () => {
    const text = [
      '/usr/sbin/mariadbd, Version: 10.11.6-MariaDB-0+deb12u1-log (Debian 12). started with:',
      '# Time: 261201 23:53:56',
      '# User@Host: labadmin[labadmin] @ localhost [127.0.0.1]',
      '# Thread_id: 12  Schema: lab  QC_hit: No',
      '# Query_time: 2.000321  Lock_time: 0.000000  Rows_sent: 1  Rows_examined: 0',
      'SET timestamp=1764633236;',
      'select sleep(2) as slept;',
      '# User@Host: labadmin[labadmin] @ localhost [127.0.0.1]',
      '# Query_time: 3.1  Lock_time: 0.000000  Rows_sent: 1  Rows_examined: 0',
      'SET timestamp=1764633237;',
      'select sleep(3) as slept;',
    ].join('\n');
    const events = parseSlowLog(text);
    expect(events.map((e) => e.timestamp)).toEqual([1764633236000, 1764633237000]);
    expect(events[0]!.message.split('\n')[0]).toBe('# Time: 261201 23:53:56');
    expect(events[0]!.message).toContain('select sleep(2) as slept;');
    expect(events[1]!.message).not.toContain('sleep(2)');
  });
});

describe('/proc samples', () => {
  it('reads this process: its working directory, and CPU ticks of its tree', () => {
    expect(processInfo(process.pid)?.cwd).toBe(process.cwd());
    const before = treeCpuTicks(process.pid);
    let x = 0;
    for (let i = 0; i < 3e7; i++) x += i % 7;
    expect(x).toBeGreaterThan(0);
    expect(treeCpuTicks(process.pid).ticks).toBeGreaterThan(before.ticks);
  });

  it('writes RDSOSMetrics documents for a running instance from its process, at most one per interval', () => {
    let t = 1_000_000;
    const provider = localLogsProvider({ serverPids: () => ({ i1: process.pid }) }, () => t);
    const query = { region: 'us-east-1', logGroupName: 'RDSOSMetrics', streams: ['db-X'], instances: { 'db-X': { instanceId: 'i1', engine: 'aurora-postgresql', resourceId: 'db-X', monitoringInterval: 5 } } };
    const first = provider(query) as Record<string, { message: string }[]>;
    t += 1000;
    expect((provider(query) as Record<string, unknown[]>)['db-X']).toHaveLength(1);
    t += 5000;
    const later = provider(query) as Record<string, { message: string }[]>;
    expect(later['db-X']).toHaveLength(2);
    const doc = JSON.parse(first['db-X']![0]!.message);
    expect(doc).toMatchObject({ instanceID: 'i1', instanceResourceID: 'db-X', memory: { total: expect.any(Number) }, tasks: { total: expect.any(Number) } });
    expect(doc.tasks.total).toBeGreaterThan(0);
    expect(doc.loadAverageMinute).toEqual({ one: expect.any(Number), five: expect.any(Number), fifteen: expect.any(Number) });
  });
});
