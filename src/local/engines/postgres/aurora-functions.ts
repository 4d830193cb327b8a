/**
 * Aurora PostgreSQL's own SQL functions, which cluster-aware clients (the AWS Advanced JDBC, Python and
 * Go wrappers) ask every instance about, installed in pg_catalog as on Aurora:
 *
 * - aurora_db_instance_identifier(): the instance's identifier (a -c setting of its postgres).
 * - aurora_version(): major.minor.patch of the engine; locally the PostgreSQL release that runs, patch 0.
 * - aurora_replica_status(): one row per instance of the cluster; the writer's session_id is
 *   'MASTER_SESSION_ID', each reader's a UUID of its own. The membership comes from the data plane
 *   (topology-publisher.ts), which keeps it in the comment of the role aurora_lab_topology on the
 *   writer: a shared catalog, so every database sees it and streaming replication takes it to the
 *   readers. Lag and update times are real where the answering instance can see them: on the writer
 *   from pg_stat_replication, on a reader its own replay position and its WAL receiver's last message
 *   from the writer; other readers' values are those the data plane last measured on the writer.
 *   As on Aurora 13.9 and later, the answering instance's own last_update_timestamp is NULL.
 *   Columns the local target has nothing to measure for (Aurora storage internals, cpu) are NULL.
 */
import { withAdminClient } from './admin-sql.js';
import type { PgServer } from './pg-server.js';

export const TOPOLOGY_ROLE = 'aurora_lab_topology';
export const MASTER_SESSION_ID = 'MASTER_SESSION_ID';

const IDENTIFIER_FN = `
CREATE OR REPLACE FUNCTION pg_catalog.aurora_db_instance_identifier() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT current_setting('aurora_lab.instance_id', true) $$`;

const VERSION_FN = `
CREATE OR REPLACE FUNCTION pg_catalog.aurora_version() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT (v / 10000)::text || '.' || (v % 100)::text || '.0' FROM (SELECT current_setting('server_version_num')::int AS v) s $$`;

const REPLICA_STATUS_FN = `
CREATE OR REPLACE FUNCTION pg_catalog.aurora_replica_status()
RETURNS TABLE (
  server_id text, session_id text, durable_lsn bigint, highest_lsn_rcvd bigint, current_read_lsn bigint,
  cur_replay_latency_in_usec bigint, active_txns bigint, is_current boolean, last_transport_error integer,
  last_error_timestamp timestamptz, last_update_timestamp timestamptz, feedback_xmin bigint, feedback_epoch integer,
  replica_lag_in_msec double precision, log_stream_speed_in_kib_per_second double precision,
  log_buffer_sequence_number bigint, oldest_read_view_trx_id bigint, oldest_read_view_lsn bigint,
  pending_read_ios bigint, read_ios bigint, iops integer, cpu double precision
)
LANGUAGE plpgsql STABLE
AS $fn$
DECLARE
  me text := current_setting('aurora_lab.instance_id', true);
  standby boolean := pg_is_in_recovery();
  topo jsonb;
  writer text;
  own_lsn bigint;
  own_rcvd bigint;
  own_lag double precision;
  own_txns bigint;
  writer_heard timestamptz;
BEGIN
  SELECT shobj_description(r.oid, 'pg_authid')::jsonb -> current_setting('aurora_lab.cluster_id', true)
    INTO topo FROM pg_roles r WHERE r.rolname = '${TOPOLOGY_ROLE}';
  IF topo IS NULL THEN
    RETURN;
  END IF;
  -- A promoted instance is the writer even before the data plane has said so.
  writer := CASE WHEN standby THEN topo ->> 'writer' ELSE me END;
  SELECT count(*) INTO own_txns FROM pg_stat_activity WHERE xact_start IS NOT NULL AND backend_type = 'client backend';
  IF standby THEN
    own_lsn := pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::bigint;
    own_rcvd := pg_wal_lsn_diff(pg_last_wal_receive_lsn(), '0/0')::bigint;
    own_lag := CASE WHEN pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() THEN 0
      ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) * 1000 END;
    SELECT w.last_msg_receipt_time INTO writer_heard FROM pg_stat_wal_receiver w;
  ELSE
    own_lsn := pg_wal_lsn_diff(pg_current_wal_flush_lsn(), '0/0')::bigint;
  END IF;
  RETURN QUERY
  WITH m AS (
    SELECT x ->> 'id' AS id, x ->> 'session' AS session, (x ->> 'lag')::double precision AS lag,
           (x ->> 'xmin')::bigint AS xmin, (x ->> 'at')::timestamptz AS at
      FROM jsonb_array_elements(topo -> 'members') x
  ), live AS (
    SELECT s.application_name AS id, s.reply_time, s.backend_xmin::text::bigint AS xmin,
           pg_wal_lsn_diff(s.flush_lsn, '0/0')::bigint AS rcvd, pg_wal_lsn_diff(s.replay_lsn, '0/0')::bigint AS replayed,
           CASE WHEN s.replay_lsn >= s.sent_lsn THEN 0 ELSE extract(epoch FROM s.replay_lag) * 1000 END AS lag
      FROM pg_stat_replication s
  )
  SELECT m.id,
         CASE WHEN m.id = writer THEN '${MASTER_SESSION_ID}' ELSE m.session END,
         CASE WHEN m.id = me THEN own_lsn ELSE l.replayed END,
         CASE WHEN m.id = me THEN own_rcvd ELSE l.rcvd END,
         CASE WHEN m.id = me THEN own_lsn ELSE l.replayed END,
         NULL::bigint,
         CASE WHEN m.id = me THEN own_txns END,
         NULL::boolean, NULL::integer, NULL::timestamptz,
         CASE WHEN m.id = me THEN NULL::timestamptz
              WHEN l.id IS NOT NULL THEN l.reply_time
              WHEN m.id = writer AND standby THEN writer_heard
              ELSE m.at END,
         COALESCE(l.xmin, m.xmin),
         NULL::integer,
         CASE WHEN m.id = writer THEN NULL::double precision
              WHEN m.id = me THEN own_lag
              WHEN l.id IS NOT NULL THEN l.lag
              ELSE m.lag END,
         NULL::double precision, NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint, NULL::integer,
         NULL::double precision
    FROM m LEFT JOIN live l ON l.id = m.id
   ORDER BY m.id = writer DESC, m.id;
END
$fn$`;

const TOPOLOGY_ROLE_SQL = `DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${TOPOLOGY_ROLE}') THEN CREATE ROLE ${TOPOLOGY_ROLE} NOLOGIN; END IF;
END $$`;

/**
 * Install the functions in template1 (so later databases have them) and in every existing database,
 * and the (shared) role whose comment holds the topology.
 */
export async function installAuroraFunctions(server: PgServer): Promise<void> {
  const dbs = await withAdminClient(server.socket, async (c) => {
    await c.query(TOPOLOGY_ROLE_SQL);
    const r = await c.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datallowconn');
    return r.rows.map((row) => row.datname);
  });
  for (const database of dbs) {
    await withAdminClient({ ...server.socket, database }, async (c) => {
      await c.query(IDENTIFIER_FN);
      await c.query(VERSION_FN);
      await c.query(REPLICA_STATUS_FN);
    });
  }
}

export { TOPOLOGY_ROLE_SQL };
