/**
 * The local gateway (`serverless offline`, as `npm run dev` runs it) refuses requests without a
 * valid token — even those serverless-offline alone would let through — and the customer of a
 * checkout is the token's subject whatever the headers say.
 */
import { signLocalToken } from '../../lib/http/local-jwt';
import { endOffsets, readRecords } from '../support/kafka';
import { type ProjectOffline, startProjectOffline } from '../support/offline';

let offline: ProjectOffline;
let base: string;

// Tokens are signed with the developer's local key (.local/dev-jwt-key.json, created if missing),
// the one the functions under serverless-offline verify against, as with `npm run token`.
beforeAll(async () => {
  delete process.env.LOCAL_JWT_KEY_FILE;
  offline = await startProjectOffline('offline-test', 'Server ready');
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
