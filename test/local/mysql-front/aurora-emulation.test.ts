/**
 * The Aurora MySQL emulation and the IAM rewrite as pure functions: what a client's statement becomes
 * before it reaches MariaDB, and what must stay as it was (strings, comments, everything else).
 */
import { describe, expect, it } from 'vitest';
import { rewrite, type EmulationContext } from '../../../src/local/engines/mysql/aurora-emulation.js';
import { tokenize } from '../../../src/local/engines/mysql/mysql-lexer.js';
import { internalPassword, nativeHash, rewriteIam } from '../../../src/local/engines/mysql/mysql-iam.js';

const reader: EmulationContext = { clusterId: 'c1', instanceId: 'c1-1', role: 'reader', auroraVersion: '3.08.2' };
const writer: EmulationContext = { ...reader, instanceId: 'c1-0', role: 'writer' };

describe('rewrite', () => {
  it('answers @@aurora_server_id, @@aurora_version and @@innodb_read_only, keeping the column names of bare items', () => {
    expect(rewrite('select @@aurora_server_id', reader)).toBe("select 'c1-1' AS `@@aurora_server_id`");
    expect(rewrite('SELECT @@aurora_server_id AS instance_id, @@innodb_read_only AS is_reader', reader)).toBe("SELECT 'c1-1' AS instance_id, 1 AS is_reader");
    expect(rewrite('select @@innodb_read_only as is_reader', writer)).toBe('select 0 as is_reader');
    expect(rewrite('select @@GLOBAL.Aurora_Version, @@session.innodb_read_only from dual', writer)).toBe(
      "select '3.08.2' AS `@@GLOBAL.Aurora_Version`, 0 AS `@@session.innodb_read_only` from dual",
    );
  });

  it('adds no alias where the variable is part of an expression', () => {
    expect(rewrite("select concat(@@aurora_server_id, '-x') as id", reader)).toBe("select concat('c1-1', '-x') as id");
    expect(rewrite("select 1 from t where @@aurora_server_id in (@@aurora_server_id, 'a')", reader)).toBe("select 1 from t where 'c1-1' in ('c1-1', 'a')");
    expect(rewrite('select (select count(*) from lab_rows where id = 1) as n, @@innodb_read_only as is_reader', reader)).toBe(
      'select (select count(*) from lab_rows where id = 1) as n, 1 as is_reader',
    );
    expect(rewrite('set @x = @@aurora_server_id', reader)).toBe("set @x = 'c1-1'");
  });

  it('never rewrites inside string literals, quoted identifiers or comments', () => {
    const untouched = [
      "select '@@aurora_server_id', \"@@innodb_read_only\" as `@@aurora_version`",
      "select 1 -- @@aurora_server_id\n",
      'select 1 # information_schema.replica_host_status',
      'select /* @@innodb_read_only */ 1',
      "select 'it''s @@aurora_server_id', 'a\\'@@aurora_version'",
      'select @@version, @@innodb_buffer_pool_size, @aurora_server_id',
      'select * from other.replica_host_status',
    ];
    for (const sql of untouched) expect(rewrite(sql, reader)).toBe(sql);
  });

  it('points information_schema.replica_host_status (any case, backticks) at the cluster topology table', () => {
    expect(rewrite('SELECT SERVER_ID FROM information_schema.replica_host_status', reader)).toBe('SELECT SERVER_ID FROM `aurora_lab_topology`.`c1`');
    expect(rewrite('select * from `INFORMATION_SCHEMA`.`Replica_Host_Status` r', reader)).toBe('select * from `aurora_lab_topology`.`c1` r');
    expect(rewrite('select * from Information_Schema . replica_host_status', reader)).toBe('select * from `aurora_lab_topology`.`c1`');
  });

  it('keeps the AWS wrappers topology query otherwise as it is', () => {
    const q = "SELECT SERVER_ID, CASE WHEN SESSION_ID = 'MASTER_SESSION_ID' THEN TRUE ELSE FALSE END, CPU, REPLICA_LAG_IN_MILLISECONDS, LAST_UPDATE_TIMESTAMP FROM information_schema.replica_host_status WHERE time_to_sec(timediff(now(), LAST_UPDATE_TIMESTAMP)) <= 300 OR SESSION_ID = 'MASTER_SESSION_ID' ";
    expect(rewrite(q, reader)).toBe(q.replace('information_schema.replica_host_status', '`aurora_lab_topology`.`c1`'));
  });

  it("turns SHOW VARIABLES LIKE 'aurora_version' / 'aurora_server_id' into a SELECT with the same columns", () => {
    expect(rewrite("SHOW VARIABLES LIKE 'aurora_version'", reader)).toBe("SELECT 'aurora_version' AS Variable_name, '3.08.2' AS Value");
    expect(rewrite("show global variables like 'AURORA_SERVER_ID';", reader)).toBe("SELECT 'aurora_server_id' AS Variable_name, 'c1-1' AS Value");
    expect(rewrite("SHOW VARIABLES LIKE 'version'", reader)).toBe("SHOW VARIABLES LIKE 'version'");
  });

  it('leaves every other statement exactly as it was', () => {
    for (const sql of ['insert into t values (1, \'x\')', 'select now()', 'create table t (id int)', '', 'SHOW VARIABLES']) expect(rewrite(sql, writer)).toBe(sql);
  });
});

describe('the lexer', () => {
  it('gives the statement back byte for byte', () => {
    const sql = "select 'a\\'b' , `x``y`, @@global.v, @'u', -- c\n /* d */ #e\n 1.5e3 \u00e9";
    expect(tokenize(sql).map((t) => t.text).join('')).toBe(sql);
  });
});

describe('rewriteIam', () => {
  const secret = Buffer.from('0123456789abcdef0123456789abcdef');
  const hash = nativeHash(internalPassword(secret, 'iam_user'));

  it('makes CREATE USER ... IDENTIFIED WITH AWSAuthenticationPlugin a native user with the plugin as its second method', () => {
    const out = rewriteIam("create user 'iam_user'@'%' identified with AWSAuthenticationPlugin as 'RDS'", secret);
    expect(out).toMatch(/^BEGIN NOT ATOMIC CREATE USER 'iam_user'@'%' IDENTIFIED VIA mysql_native_password USING '\*[0-9A-F]{40}';/);
    expect(out).toContain(`USING '${hash}'`);
    expect(out).toContain("JSON_OBJECT('plugin', 'AWSAuthenticationPlugin', 'authentication_string', 'RDS')");
    expect(out).toContain("WHERE User = 'iam_user' AND Host = '%'");
    expect(out).toMatch(/FLUSH PRIVILEGES; END$/);
    // The internal password itself is never in the statement, only its hash.
    expect(out).not.toContain(internalPassword(secret, 'iam_user').toString('latin1'));
    expect(rewriteIam('CREATE USER IF NOT EXISTS `iam_user`@localhost IDENTIFIED WITH "AWSAuthenticationPlugin"', secret)).toContain(
      "CREATE USER IF NOT EXISTS `iam_user`@localhost IDENTIFIED VIA mysql_native_password",
    );
    expect(rewriteIam("alter user iam_user identified with AWSAuthenticationPlugin as 'RDS';", secret)).toContain('ALTER USER iam_user IDENTIFIED VIA');
  });

  it('points reads of mysql.user at the view that shows the plugin', () => {
    expect(rewriteIam("select count(*) as n from mysql.user where user = ? and plugin = 'AWSAuthenticationPlugin'", secret)).toBe(
      "select count(*) as n from `aurora_lab`.`user` where user = ? and plugin = 'AWSAuthenticationPlugin'",
    );
    expect(rewriteIam('SELECT * FROM `mysql`.`USER`', secret)).toBe('SELECT * FROM `aurora_lab`.`user`');
  });

  it('leaves other user statements and writes alone', () => {
    for (const sql of [
      "create user 'u'@'%' identified by 'pw'",
      "drop user if exists 'iam_user'@'%'",
      "create user 'u' identified with mysql_native_password as 'x'",
      "update mysql.user set x = 1",
      "select 'mysql.user' from t",
    ]) expect(rewriteIam(sql, secret)).toBe(sql);
  });
});
