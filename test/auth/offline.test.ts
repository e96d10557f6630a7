/**
 * The local gateway (`serverless offline`, as `npm run dev` runs it) refuses requests without a
 * valid token — even those serverless-offline alone would let through — and the customer of a
 * checkout is the token's subject whatever the headers say.
 */
import { randomUUID } from 'node:crypto';
import { signLocalToken } from '../../lib/http/local-jwt';
import { OPERATOR_SCOPE } from '../../lib/http/scopes';
import { endOffsets, readRecords } from '../support/kafka';
import { type ProjectOffline, startProjectOffline } from '../support/offline';

let offline: ProjectOffline;
let base: string;

// Tokens are signed with the developer's local key (.local/dev-jwt-key.json, created if missing),
// the one the functions under serverless-offline verify against, as with `npm run token`.
beforeAll(async () => {
  delete process.env.LOCAL_JWT_KEY_FILE;
  // Its triggers process what other suites left on the shared topics: their effects stay apart.
  offline = await startProjectOffline('offline-test', 'Server ready', { redisPrefix: `${process.env.REDIS_PREFIX}auth-offline:` });
  base = offline.base;
}, 120_000);

afterAll(async () => {
  await offline?.stop();
});

const order = JSON.stringify({ items: [{ product_id: 'SKU-9', quantity: 1, price: 3 }] });

function checkout(headers: Record<string, string>): Promise<Response> {
  return fetch(`${base}/checkout`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: order });
}

const unsigned = (claims: object) => {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
};

describe('npm run dev gateway', () => {
  it('serves /health without a token', async () => {
    expect((await fetch(`${base}/health`)).status).toBe(200);
  });

  it.each([
    ['no token', async () => ({})],
    [
      'an expired token',
      async () => ({ authorization: `Bearer ${await signLocalToken({ sub: 'c', issuedAt: Math.floor(Date.now() / 1000) - 7200, expiresIn: 3600 })}` }),
    ],
    ['a token for another audience', async () => ({ authorization: `Bearer ${await signLocalToken({ sub: 'c', audience: 'another-api' })}` })],
    [
      'an unsigned token with the right claims',
      async () => ({
        authorization: `Bearer ${unsigned({ sub: 'c', iss: 'https://auth.local.invalid/', aud: 'kafka-lambda-system-local', exp: 9999999999 })}`,
      }),
    ],
    [
      'claims injected with sls-offline-authorizer-override',
      async () => ({ 'sls-offline-authorizer-override': JSON.stringify({ jwt: { claims: { sub: 'c' } } }) }),
    ],
  ])('answers 401 to %s', async (_case, headers) => {
    const response = await checkout(await headers());
    expect(response.status).toBe(401);
  });

  it('publishes the checkout for the token’s subject, not for X-Customer-ID', async () => {
    const from = await endOffsets('order.placed');
    const token = await signLocalToken({ sub: 'customer-offline-1' });
    const response = await checkout({ authorization: `Bearer ${token}`, 'x-customer-id': 'customer-other' });
    expect(response.status).toBe(202);
    const { order_id } = (await response.json()) as { order_id: string };
    const records = await readRecords('order.placed', from);
    const placed = records.map((r) => JSON.parse(String(r.message.value)) as { order_id: string; customer_id: string });
    expect(placed.find((o) => o.order_id === order_id)?.customer_id).toBe('customer-offline-1');
  });
});

describe('operator routes (custom.deploy.operatorRoutes)', () => {
  const stats = (token: string, headers: Record<string, string> = {}) => fetch(`${base}/stats`, { headers: { authorization: `Bearer ${token}`, ...headers } });

  it.each([
    ['a plain user token', {}],
    ['a token with other scopes', { scope: 'kafka-lambda-system/read openid' }],
  ])('answers GET /stats with 403 problem+json to %s', async (_case, claims) => {
    const response = await stats(await signLocalToken({ sub: 'customer-ops-1', claims }));
    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({ status: 403, title: 'Forbidden', detail: `This route needs a token with the scope "${OPERATOR_SCOPE}"` });
  });

  it('ignores a scope injected with sls-offline-authorizer-override', async () => {
    const override = JSON.stringify({ jwt: { claims: { sub: 'customer-ops-2', scope: OPERATOR_SCOPE }, scopes: [OPERATOR_SCOPE] } });
    const response = await stats(await signLocalToken({ sub: 'customer-ops-2' }), { 'sls-offline-authorizer-override': override });
    expect(response.status).toBe(403);
  });

  it('answers 200 with the numbers to a token with the operator scope', async () => {
    const response = await stats(await signLocalToken({ sub: 'ops-1', claims: { scope: `openid ${OPERATOR_SCOPE}` } }));
    expect(response.status).toBe(200);
    const body = (await response.json()) as { consumer_groups: { group: string }[] };
    expect(body.consumer_groups.map((g) => g.group)).toContain('page-views');
  });

  it('still serves customer routes to a plain user token', async () => {
    const response = await fetch(`${base}/orders/${randomUUID()}`, { headers: { authorization: `Bearer ${await signLocalToken({ sub: 'customer-ops-3' })}` } });
    expect(response.status).toBe(404);
  });
});
