/**
 * ElastiCache IAM tokens: the SigV4 presigned `connect` request AWS documents, checked against a
 * signature computed here independently from the SigV4 rules (canonical request, string to sign,
 * derived key), so a signer misuse shows up.
 */
import { createHash, createHmac } from 'node:crypto';
import { elastiCacheIamToken, TOKEN_LIFETIME_SECONDS } from '../../lib/stores/redis-iam';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'FwoGZXIvYXdzE+session/token=' };
const signingDate = new Date('2026-12-01T20:00:00Z');

/** Query string of the token, decoded. */
function queryOf(token: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(token.slice(token.indexOf('?') + 1)));
}

/** SigV4 query-string signature, written out from the specification. */
function expectedSignature(host: string, query: Record<string, string>, region: string): string {
  const encode = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const { 'X-Amz-Signature': _omit, ...unsigned } = query;
  const canonicalQuery = Object.keys(unsigned)
    .sort()
    .map((name) => `${encode(name)}=${encode(unsigned[name] as string)}`)
    .join('&');
  const canonicalRequest = ['GET', '/', canonicalQuery, `host:${host}\n`, 'host', createHash('sha256').update('').digest('hex')].join('\n');
  const day = '20261201';
  const scope = `${day}/${region}/elasticache/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', '20261201T200000Z', scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
  const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
  const key = hmac(hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, day), region), 'elasticache'), 'aws4_request');
  return createHmac('sha256', key).update(toSign).digest('hex');
}

describe('elastiCacheIamToken', () => {
  it('presigns GET http://<replication group>/?Action=connect&User=<user> for elasticache, valid 15 minutes', async () => {
    const token = await elastiCacheIamToken({
      userId: 'kafka-lambda-system',
      cacheName: 'orders-cache',
      serverless: false,
      region: 'eu-west-1',
      credentials,
      signingDate,
    });
    expect(token.startsWith('orders-cache/?')).toBe(true);
    const query = queryOf(token);
    expect(query).toMatchObject({
      Action: 'connect',
      User: 'kafka-lambda-system',
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': 'AKIDEXAMPLE/20261201/eu-west-1/elasticache/aws4_request',
      'X-Amz-Date': '20261201T200000Z',
      'X-Amz-Expires': String(TOKEN_LIFETIME_SECONDS),
      'X-Amz-SignedHeaders': 'host',
      'X-Amz-Security-Token': credentials.sessionToken,
    });
    expect(query.ResourceType).toBeUndefined();
    expect(query['X-Amz-Signature']).toBe(expectedSignature('orders-cache', query, 'eu-west-1'));
  });

  it('names the serverless cache resource type, and the signature covers it', async () => {
    const token = await elastiCacheIamToken({ userId: 'app', cacheName: 'orders', serverless: true, region: 'us-east-1', credentials, signingDate });
    const query = queryOf(token);
    expect(query.ResourceType).toBe('ServerlessCache');
    expect(query['X-Amz-Signature']).toBe(expectedSignature('orders', query, 'us-east-1'));
    expect(query['X-Amz-Signature']).not.toBe(expectedSignature('orders', { ...query, ResourceType: 'ReplicationGroup' }, 'us-east-1'));
  });
});
