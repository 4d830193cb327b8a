import { request } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DescribeDBClustersCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { startSimServer, type SimServer } from '../../src/sim/server.js';
import type { SimCall } from '../../src/sim/types.js';
import type { LocalCredentials } from '../../src/local/daemon/local-credentials.js';
import { signedHeaders, TEST_CREDENTIALS } from '../helpers/test-credentials.js';

let server: SimServer;
let calls: SimCall[] = [];

/** A request as a client signs it: the given headers plus host, x-amz-date and authorization. */
async function signed(region: string, service: string, headers: Record<string, string>, body: string, more: { credentials?: LocalCredentials; at?: Date } = {}) {
  return signedHeaders({ url: server.url, body, headers, region, service, ...more });
}

function http(method: string, path: string, headers: Record<string, string> = {}, body = ''): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${path}`, { method, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const form = { 'content-type': 'application/x-www-form-urlencoded' };

beforeAll(async () => {
  server = await startSimServer({
    credentials: TEST_CREDENTIALS,
    handler: async (call) => {
      calls.push(call);
      return { DBClusters: [{ DBClusterIdentifier: 'a', Status: 'available' }] };
    },
  });
});
afterAll(() => server.close());
beforeEach(() => {
  calls = [];
});

describe('the local HTTP server', () => {
  it('binds the loopback interface only, on an ephemeral port', () => {
    expect(server.host).toBe('127.0.0.1');
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
  });

  it('reports health', async () => {
    const res = await http('GET', '/health');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ ok: true });
  });

  it('routes by the credential scope and answers the Query XML document', async () => {
    const body = 'Action=DescribeDBClusters&Version=2014-10-31&DBClusterIdentifier=a';
    const res = await http('POST', '/', await signed('eu-north-1', 'rds', form, body), body);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/xml/);
    expect(res.body).toMatch(
      /<DescribeDBClustersResponse xmlns="http:\/\/rds.amazonaws.com\/doc\/2014-10-31\/"><DescribeDBClustersResult><DBClusters><DBCluster><DBClusterIdentifier>a<\/DBClusterIdentifier><Status>available<\/Status><\/DBCluster><\/DBClusters><\/DescribeDBClustersResult><ResponseMetadata><RequestId>[0-9a-f-]{36}<\/RequestId><\/ResponseMetadata><\/DescribeDBClustersResponse>$/,
    );
    expect(calls).toEqual([{ service: 'rds', operation: 'DescribeDBClusters', region: 'eu-north-1', input: { DBClusterIdentifier: 'a' } }]);
  });

  it('answers an unknown Action with InvalidAction', async () => {
    const body = 'Action=CreateDBClustr&Version=2014-10-31';
    const res = await http('POST', '/', await signed('eu-north-1', 'rds', form, body), body);
    expect(res.status).toBe(400);
    expect(res.body).toContain('<Type>Sender</Type><Code>InvalidAction</Code><Message>The action CreateDBClustr is not valid for this web service.</Message>');
    expect(calls).toEqual([]);
  });

  it('rejects unknown parameters and badly typed values, naming each', async () => {
    const post = async (service: string, body: string) => http('POST', '/', await signed('eu-north-1', service, form, body), body);
    const unknown = await post('rds', 'Action=DescribeDBClusters&Version=2014-10-31&DBClusterIdentifer=a');
    expect(unknown.status).toBe(400);
    expect(unknown.body).toContain('<Code>InvalidQueryParameter</Code><Message>The parameter DBClusterIdentifer is not recognized</Message>');
    const typed = await post('rds', 'Action=DescribeDBClusters&Version=2014-10-31&MaxRecords=many&IncludeShared=yes');
    expect(typed.status).toBe(400);
    expect(typed.body).toContain('<Code>InvalidParameterValue</Code>');
    expect(typed.body).toContain('parameter &quot;MaxRecords&quot; must be a number, got &quot;many&quot;');
    expect(typed.body).toContain('parameter &quot;IncludeShared&quot; must be a boolean');
    const ec2 = await post('ec2', 'Action=DescribeSubnets&Version=2016-11-15&Bogus=1');
    expect(ec2.body).toContain('<Response><Errors><Error><Code>UnknownParameter</Code><Message>The parameter Bogus is not recognized</Message></Error></Errors><RequestID>');
    expect(calls).toEqual([]);
  });

  it('answers JSON services in JSON, including their errors', async () => {
    const json = async (target: string, body: string) =>
      http('POST', '/', await signed('eu-north-1', 'secretsmanager', { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target }, body), body);
    const unknownOp = await json('secretsmanager.GetSecretValu', '{}');
    expect(unknownOp.status).toBe(400);
    expect(JSON.parse(unknownOp.body)).toEqual({ __type: 'UnknownOperationException', message: 'Unknown operation GetSecretValu' });
    const malformed = await json('secretsmanager.GetSecretValue', '{"SecretId":');
    expect(JSON.parse(malformed.body).__type).toBe('SerializationException');
    const unknownMember = await json('secretsmanager.GetSecretValue', '{"SecretId":"s","Foo":1}');
    expect(JSON.parse(unknownMember.body)).toEqual({ __type: 'ValidationException', message: '1 validation error detected: unknown parameter "Foo"' });
    expect(calls).toEqual([]);
  });

  it('refuses requests without a SigV4 credential scope or for a service it does not serve', async () => {
    const none = await http('POST', '/', form, 'Action=DescribeDBClusters');
    expect(none.status).toBe(403);
    expect(none.body).toContain('<Code>MissingAuthenticationToken</Code>');
    const foreign = await http('POST', '/', await signed('eu-north-1', 's3', form, ''), '');
    expect(foreign.status).toBe(400);
    expect(foreign.body).toContain('<Code>UnknownService</Code>');
    const get = await http('GET', '/other');
    expect(get.status).toBe(405);
  });

  it('closes promptly even while an SDK client keeps its connection alive', async () => {
    const local = await startSimServer({ handler: async () => ({}), credentials: TEST_CREDENTIALS });
    const client = new RDSClient({ region: 'eu-west-1', endpoint: local.url, credentials: TEST_CREDENTIALS });
    await client.send(new DescribeDBClustersCommand({}));
    const started = Date.now();
    await local.close();
    expect(Date.now() - started).toBeLessThan(1000);
    client.destroy();
  });
});

describe('the local HTTP server checks every request\'s signature', () => {
  const body = 'Action=DescribeDBClusters&Version=2014-10-31';
  const other: LocalCredentials = { accessKeyId: 'AKIAOTHERKEY23456ABC', secretAccessKey: TEST_CREDENTIALS.secretAccessKey };
  const wrongSecret: LocalCredentials = { accessKeyId: TEST_CREDENTIALS.accessKeyId, secretAccessKey: 'guessedguessedguessedguessedguessedguess' };
  const code = (xml: string) => /<Code>([^<]+)<\/Code>/.exec(xml)?.[1];
  const message = (xml: string) => /<Message>([^<]+)<\/Message>/.exec(xml)?.[1];

  it('refuses a Query request without a signature, with an unknown key, or with a wrong secret, with AWS\'s codes and 403', async () => {
    const none = await http('POST', '/', form, body);
    expect([none.status, code(none.body), message(none.body)]).toEqual([403, 'MissingAuthenticationToken', 'Request is missing Authentication Token']);
    const unknown = await http('POST', '/', await signed('eu-west-1', 'rds', form, body, { credentials: other }), body);
    expect([unknown.status, code(unknown.body), message(unknown.body)]).toEqual([403, 'InvalidClientTokenId', 'The security token included in the request is invalid.']);
    const wrong = await http('POST', '/', await signed('eu-west-1', 'rds', form, body, { credentials: wrongSecret }), body);
    expect([wrong.status, code(wrong.body)]).toEqual([403, 'SignatureDoesNotMatch']);
    expect(message(wrong.body)).toMatch(/^The request signature we calculated does not match the signature you provided\./);
    expect(wrong.body).toContain('<ErrorResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><Error><Type>Sender</Type>');
    expect(calls).toEqual([]);
  });

  it('refuses a request whose body or headers changed after signing', async () => {
    const headers = await signed('eu-west-1', 'rds', form, body);
    const tampered = await http('POST', '/', headers, `${body}&DBClusterIdentifier=x`);
    expect(code(tampered.body)).toBe('SignatureDoesNotMatch');
    const retargeted = await http('POST', '/', { ...headers, 'content-type': 'application/json' }, body);
    expect(code(retargeted.body)).toBe('SignatureDoesNotMatch');
    const lying = await http('POST', '/', { ...headers, 'x-amz-content-sha256': '0'.repeat(64) }, body);
    expect(code(lying.body)).toBe('SignatureDoesNotMatch');
    expect(calls).toEqual([]);
  });

  it('refuses a request signed more than 15 minutes away from its clock, saying so as AWS does', async () => {
    const old = await http('POST', '/', await signed('eu-west-1', 'rds', form, body, { at: new Date(Date.now() - 16 * 60_000) }), body);
    expect([old.status, code(old.body)]).toEqual([403, 'SignatureDoesNotMatch']);
    expect(message(old.body)).toMatch(/^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/);
    const ahead = await http('POST', '/', await signed('eu-west-1', 'rds', form, body, { at: new Date(Date.now() + 16 * 60_000) }), body);
    expect(message(ahead.body)).toMatch(/^Signature not yet current: \d{8}T\d{6}Z is still later than \d{8}T\d{6}Z \(\d{8}T\d{6}Z \+ 15 min\.\)$/);
    const ec2 = await http('POST', '/', await signed('eu-west-1', 'ec2', form, 'Action=DescribeVpcs&Version=2016-11-15', { at: new Date(Date.now() - 16 * 60_000) }), 'Action=DescribeVpcs&Version=2016-11-15');
    expect([ec2.status, code(ec2.body)]).toEqual([400, 'RequestExpired']);
    const recent = await http('POST', '/', await signed('eu-west-1', 'rds', form, body, { at: new Date(Date.now() - 10 * 60_000) }), body);
    expect(recent.status).toBe(200);
  });

  it('answers JSON services with their own names for the refusals, and EC2 with AuthFailure', async () => {
    const target = { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.GetSecretValue' };
    const req = '{"SecretId":"s"}';
    const unknown = await http('POST', '/', await signed('eu-west-1', 'secretsmanager', target, req, { credentials: other }), req);
    expect([unknown.status, JSON.parse(unknown.body)]).toEqual([400, { __type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' }]);
    const wrong = await http('POST', '/', await signed('eu-west-1', 'secretsmanager', target, req, { credentials: wrongSecret }), req);
    expect([wrong.status, JSON.parse(wrong.body).__type]).toEqual([400, 'InvalidSignatureException']);
    const none = await http('POST', '/', target, req);
    expect([none.status, JSON.parse(none.body).__type]).toEqual([400, 'MissingAuthenticationTokenException']);
    const ec2 = await http('POST', '/', await signed('eu-west-1', 'ec2', form, 'Action=DescribeVpcs&Version=2016-11-15', { credentials: wrongSecret }), 'Action=DescribeVpcs&Version=2016-11-15');
    expect(ec2.body).toContain('<Response><Errors><Error><Code>AuthFailure</Code>');
    expect(calls).toEqual([]);
  });

  it('gives SDK clients with the wrong credentials the error classes AWS\'s refusals make', async () => {
    const rds = new RDSClient({ region: 'eu-west-1', endpoint: server.url, credentials: wrongSecret, maxAttempts: 1 });
    const sm = new SecretsManagerClient({ region: 'eu-west-1', endpoint: server.url, credentials: other, maxAttempts: 1 });
    try {
      const e1 = await rds.send(new DescribeDBClustersCommand({})).then(() => undefined, (e: Error & { $metadata?: { httpStatusCode?: number } }) => e);
      expect([e1?.name, e1?.$metadata?.httpStatusCode]).toEqual(['SignatureDoesNotMatch', 403]);
      const e2 = await sm.send(new GetSecretValueCommand({ SecretId: 's' })).then(() => undefined, (e: Error) => e);
      expect(e2?.name).toBe('UnrecognizedClientException');
      const ok = new RDSClient({ region: 'eu-west-1', endpoint: server.url, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
      expect((await ok.send(new DescribeDBClustersCommand({}))).DBClusters?.[0]?.DBClusterIdentifier).toBe('a');
      ok.destroy();
    } finally {
      rds.destroy();
      sm.destroy();
    }
  });
});
