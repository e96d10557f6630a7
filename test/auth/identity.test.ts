/**
 * Who the caller is: from the JWT authorizer's verified claims on AWS, and from a bearer token
 * the function verifies itself under serverless-offline (which does not check signatures).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { generateKeyPair, SignJWT } from 'jose';
import { handler as checkout } from '../../functions/checkout';
import { handler as health } from '../../functions/health';
import { callerOf } from '../../lib/http/identity';
import { LOCAL_JWT_AUDIENCE, LOCAL_JWT_ISSUER, signLocalToken } from '../../lib/http/local-jwt';
import { HttpProblem } from '../../lib/http/problem';
import { disconnectProducer } from '../../lib/kafka/publisher';
import { httpEvent, lambdaContext } from '../support/http';
import { endOffsets, readRecords } from '../support/kafka';

const keyDir = mkdtempSync(join(tmpdir(), 'local-jwt-'));
const OFFLINE = { IS_OFFLINE: 'true', JWT_ISSUER: LOCAL_JWT_ISSUER, JWT_AUDIENCE: LOCAL_JWT_AUDIENCE } as const;
const saved = { ...process.env };

beforeAll(() => {
  process.env.LOCAL_JWT_KEY_FILE = join(keyDir, 'dev-jwt-key.json');
});

afterAll(async () => {
  process.env = saved;
  await disconnectProducer();
  rmSync(keyDir, { recursive: true, force: true });
});

/** A request as serverless-offline hands it over: no verified claims unless a client forged them. */
function offlineRequest(headers: Record<string, string>, forgedSubject?: string): APIGatewayProxyEventV2 {
  return httpEvent({ headers, subject: forgedSubject ?? null, body: { items: [{ product_id: 'SKU-1', quantity: 2, price: 5 }] } });
}

async function statusOf(promise: Promise<unknown>): Promise<number | 'ok'> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    if (error instanceof HttpProblem) return error.status;
    throw error;
  }
}

const hourAgo = () => Math.floor(Date.now() / 1000) - 7200;

describe('locally (serverless-offline), the function verifies the bearer token itself', () => {
  it('accepts a token signed with the local key and takes the caller from its subject', async () => {
    const token = await signLocalToken({ sub: 'customer-42' });
    const caller = await callerOf(offlineRequest({ authorization: `Bearer ${token}` }), OFFLINE);
    expect(caller.id).toBe('customer-42');
  });

  it.each([
    ['no token', async () => ({})],
    ['a token that is not a JWT', async () => ({ authorization: 'Bearer not-a-jwt' })],
    ['a Basic credential', async () => ({ authorization: 'Basic dXNlcjpwYXNz' })],
    ['an expired token', async () => ({ authorization: `Bearer ${await signLocalToken({ sub: 'c', issuedAt: hourAgo(), expiresIn: 3600 })}` })],
    ['a token for another audience', async () => ({ authorization: `Bearer ${await signLocalToken({ sub: 'c', audience: 'another-api' })}` })],
    ['a token from another issuer', async () => ({ authorization: `Bearer ${await signLocalToken({ sub: 'c', issuer: 'https://evil.example/' })}` })],
    [
      'a token signed with another key',
      async () => {
        const { privateKey } = await generateKeyPair('ES256');
        const forged = await new SignJWT({})
          .setProtectedHeader({ alg: 'ES256' })
          .setSubject('c')
          .setIssuer(LOCAL_JWT_ISSUER)
          .setAudience(LOCAL_JWT_AUDIENCE)
          .setExpirationTime('1h')
          .sign(privateKey);
        return { authorization: `Bearer ${forged}` };
      },
    ],
    [
      'an unsigned token (alg none), which serverless-offline alone would accept',
      async () => {
        const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
        const exp = Math.floor(Date.now() / 1000) + 3600;
        return { authorization: `Bearer ${part({ alg: 'none' })}.${part({ sub: 'c', iss: LOCAL_JWT_ISSUER, aud: LOCAL_JWT_AUDIENCE, exp })}.` };
      },
    ],
  ])('refuses %s with 401', async (_case, headers) => {
    expect(await statusOf(callerOf(offlineRequest(await headers()), OFFLINE))).toBe(401);
  });

  it('ignores claims injected into the request context (sls-offline-authorizer-override)', async () => {
    expect(await statusOf(callerOf(offlineRequest({}, 'customer-forged'), OFFLINE))).toBe(401);
    const token = await signLocalToken({ sub: 'customer-real' });
    const caller = await callerOf(offlineRequest({ authorization: `Bearer ${token}` }, 'customer-forged'), OFFLINE);
    expect(caller.id).toBe('customer-real');
  });
});

describe('on AWS, the JWT authorizer has verified the token', () => {
  it('takes the caller from the claims it passes on, not from headers', async () => {
    const caller = await callerOf(httpEvent({ subject: 'customer-7', headers: { 'x-customer-id': 'customer-evil' } }), {});
    expect(caller.id).toBe('customer-7');
  });

  it('answers 401 when there are no claims', async () => {
    expect(await statusOf(callerOf(httpEvent({ subject: null, headers: { 'x-customer-id': 'customer-evil' } }), {}))).toBe(401);
  });
});

describe('POST /checkout', () => {
  const body = { items: [{ product_id: 'SKU-1', quantity: 2, price: 5 }] };

  async function placedCustomer(orderId: string, from: Map<number, number>): Promise<string | undefined> {
    const records = await readRecords('order.placed', from);
    const placed = records.map((r) => JSON.parse(String(r.message.value)) as { order_id: string; customer_id: string });
    return placed.find((o) => o.order_id === orderId)?.customer_id;
  }

  it('publishes the token’s subject as the customer, whatever X-Customer-ID says (local)', async () => {
    Object.assign(process.env, OFFLINE);
    try {
      const from = await endOffsets('order.placed');
      const token = await signLocalToken({ sub: 'customer-from-token' });
      const event = httpEvent({
        body,
        subject: 'customer-forged-context',
        headers: { authorization: `Bearer ${token}`, 'x-customer-id': 'customer-from-header' },
      });
      const response = await checkout(event, lambdaContext());
      expect(response.statusCode).toBe(202);
      const { order_id } = JSON.parse(String(response.body)) as { order_id: string };
      expect(await placedCustomer(order_id, from)).toBe('customer-from-token');
    } finally {
      delete process.env.IS_OFFLINE;
    }
  });

  it('publishes the verified subject as the customer, whatever X-Customer-ID says (AWS)', async () => {
    const from = await endOffsets('order.placed');
    const response = await checkout(httpEvent({ body, subject: 'customer-verified', headers: { 'x-customer-id': 'customer-from-header' } }), lambdaContext());
    expect(response.statusCode).toBe(202);
    const { order_id } = JSON.parse(String(response.body)) as { order_id: string };
    expect(await placedCustomer(order_id, from)).toBe('customer-verified');
  });

  it('answers 401 without a valid token, before looking at the body, and publishes nothing', async () => {
    Object.assign(process.env, OFFLINE);
    try {
      const from = await endOffsets('order.placed');
      const expired = await signLocalToken({ sub: 'c', issuedAt: hourAgo(), expiresIn: 3600 });
      for (const headers of [{}, { authorization: `Bearer ${expired}` }] as Record<string, string>[]) {
        const response = await checkout(httpEvent({ body: 'not json', subject: null, headers }), lambdaContext());
        expect(response.statusCode).toBe(401);
        expect(response.headers?.['www-authenticate']).toBe('Bearer');
      }
      expect(await endOffsets('order.placed')).toEqual(from);
    } finally {
      delete process.env.IS_OFFLINE;
    }
  });

  it('keeps GET /health public', async () => {
    Object.assign(process.env, OFFLINE);
    try {
      const response = await health(httpEvent({ method: 'GET', path: '/health', subject: null }), lambdaContext());
      expect(response.statusCode).toBe(200);
    } finally {
      delete process.env.IS_OFFLINE;
    }
  });
});
