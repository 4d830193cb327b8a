import { request } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DescribeDBClustersCommand, RDSClient } from '@aws-sdk/client-rds';
import { startSimServer, type SimServer } from '../../src/sim/server.js';
import type { SimCall } from '../../src/sim/types.js';

let server: SimServer;
let calls: SimCall[] = [];

const auth = (region: string, service: string) =>
  `AWS4-HMAC-SHA256 Credential=local/20260101/${region}/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=00`;

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
    const res = await http('POST', '/', { ...form, authorization: auth('eu-north-1', 'rds') }, 'Action=DescribeDBClusters&Version=2014-10-31&DBClusterIdentifier=a');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/xml/);
    expect(res.body).toMatch(
      /<DescribeDBClustersResponse xmlns="http:\/\/rds.amazonaws.com\/doc\/2014-10-31\/"><DescribeDBClustersResult><DBClusters><DBCluster><DBClusterIdentifier>a<\/DBClusterIdentifier><Status>available<\/Status><\/DBCluster><\/DBClusters><\/DescribeDBClustersResult><ResponseMetadata><RequestId>[0-9a-f-]{36}<\/RequestId><\/ResponseMetadata><\/DescribeDBClustersResponse>$/,
    );
    expect(calls).toEqual([{ service: 'rds', operation: 'DescribeDBClusters', region: 'eu-north-1', input: { DBClusterIdentifier: 'a' } }]);
  });

  it('answers an unknown Action with InvalidAction', async () => {
    const res = await http('POST', '/', { ...form, authorization: auth('eu-north-1', 'rds') }, 'Action=CreateDBClustr&Version=2014-10-31');
    expect(res.status).toBe(400);
    expect(res.body).toContain('<Type>Sender</Type><Code>InvalidAction</Code><Message>The action CreateDBClustr is not valid for this web service.</Message>');
    expect(calls).toEqual([]);
  });

  it('rejects unknown parameters and badly typed values, naming each', async () => {
    const unknown = await http('POST', '/', { ...form, authorization: auth('eu-north-1', 'rds') }, 'Action=DescribeDBClusters&Version=2014-10-31&DBClusterIdentifer=a');
    expect(unknown.status).toBe(400);
    expect(unknown.body).toContain('<Code>InvalidQueryParameter</Code><Message>The parameter DBClusterIdentifer is not recognized</Message>');
    const typed = await http('POST', '/', { ...form, authorization: auth('eu-north-1', 'rds') }, 'Action=DescribeDBClusters&Version=2014-10-31&MaxRecords=many&IncludeShared=yes');
    expect(typed.status).toBe(400);
    expect(typed.body).toContain('<Code>InvalidParameterValue</Code>');
    expect(typed.body).toContain('parameter &quot;MaxRecords&quot; must be a number, got &quot;many&quot;');
    expect(typed.body).toContain('parameter &quot;IncludeShared&quot; must be a boolean');
    const ec2 = await http('POST', '/', { ...form, authorization: auth('eu-north-1', 'ec2') }, 'Action=DescribeSubnets&Version=2016-11-15&Bogus=1');
    expect(ec2.body).toContain('<Response><Errors><Error><Code>UnknownParameter</Code><Message>The parameter Bogus is not recognized</Message></Error></Errors><RequestID>');
    expect(calls).toEqual([]);
  });

  it('answers JSON services in JSON, including their errors', async () => {
    const json = { 'content-type': 'application/x-amz-json-1.1', authorization: auth('eu-north-1', 'secretsmanager') };
    const unknownOp = await http('POST', '/', { ...json, 'x-amz-target': 'secretsmanager.GetSecretValu' }, '{}');
    expect(unknownOp.status).toBe(400);
    expect(JSON.parse(unknownOp.body)).toEqual({ __type: 'UnknownOperationException', message: 'Unknown operation GetSecretValu' });
    const malformed = await http('POST', '/', { ...json, 'x-amz-target': 'secretsmanager.GetSecretValue' }, '{"SecretId":');
    expect(JSON.parse(malformed.body).__type).toBe('SerializationException');
    const unknownMember = await http('POST', '/', { ...json, 'x-amz-target': 'secretsmanager.GetSecretValue' }, '{"SecretId":"s","Foo":1}');
    expect(JSON.parse(unknownMember.body)).toEqual({ __type: 'ValidationException', message: '1 validation error detected: unknown parameter "Foo"' });
    expect(calls).toEqual([]);
  });

  it('refuses requests without a SigV4 credential scope or for a service it does not serve', async () => {
    const none = await http('POST', '/', form, 'Action=DescribeDBClusters');
    expect(none.status).toBe(403);
    expect(none.body).toContain('<Code>MissingAuthenticationToken</Code>');
    const foreign = await http('POST', '/', { ...form, authorization: auth('eu-north-1', 's3') }, '');
    expect(foreign.status).toBe(400);
    expect(foreign.body).toContain('<Code>UnknownService</Code>');
    const get = await http('GET', '/other');
    expect(get.status).toBe(405);
  });

  it('closes promptly even while an SDK client keeps its connection alive', async () => {
    const local = await startSimServer({ handler: async () => ({}) });
    const client = new RDSClient({ region: 'eu-west-1', endpoint: local.url, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    await client.send(new DescribeDBClustersCommand({}));
    const started = Date.now();
    await local.close();
    expect(Date.now() - started).toBeLessThan(1000);
    client.destroy();
  });
});
