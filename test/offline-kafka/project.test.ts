/**
 * The project's own serverless.yml under `serverless offline start` (the real consumer runtime,
 * esbuild bundles, HTTP gateway and Kafka triggers): a checkout posted over HTTP is processed by
 * all four consumer groups of order.placed.
 */
import { signLocalToken } from '../../lib/http/local-jwt';
import { killAll, type OfflineProcess, ROOT, startOffline, waitFor } from './support';

jest.setTimeout(240_000);

let offline: OfflineProcess;

beforeAll(async () => {
  // Its triggers process what other suites left on the shared topics: their effects stay apart.
  offline = await startOffline({ cwd: ROOT, env: { REDIS_PREFIX: `${process.env.REDIS_PREFIX}offline-project:` } });
}, 180_000);

afterAll(async () => {
  await killAll();
});

test('a checkout posted over HTTP is processed by all four consumer groups', async () => {
  const token = await signLocalToken({ sub: `offk-customer-${Date.now()}` });
  const base = `http://127.0.0.1:${offline.httpPort}`;
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const response = await fetch(`${base}/checkout`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ items: [{ product_id: 'SKU-OFFK', quantity: 2, price: 10 }] }),
  });
  expect(response.status).toBe(202);
  const { order_id: orderId } = (await response.json()) as { order_id: string };

  let steps: Record<string, { status: string }> = {};
  await waitFor(
    async () => {
      const order = await fetch(`${base}/orders/${orderId}`, { headers });
      if (order.status !== 200) return false;
      steps = ((await order.json()) as { steps: Record<string, { status: string }> }).steps;
      return Object.keys(steps).length >= 4;
    },
    'all four consumer groups to process the order',
    120_000,
  );
  expect(Object.keys(steps).sort()).toEqual(['analytics-service', 'email-service', 'inventory-service', 'payment-service']);
  // One readable line per invocation, for each group: printed once the invocation has returned,
  // which may be after its effect is visible (under load, after the GET above).
  const groups = ['inventory-service', 'payment-service', 'email-service', 'analytics-service'];
  const logged = (group: string) => offline.output.some((line) => line.includes(`[${group}] order.placed-`) && line.includes('-> ok'));
  await waitFor(async () => groups.every(logged), 'one "-> ok" line per group', 30_000).catch(() => {});
  for (const group of groups) expect(logged(group)).toBe(true);
});
