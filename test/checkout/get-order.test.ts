/** GET /orders/{id}: each service's step, for the order's own customer only. */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { handler as getOrder } from '../../functions/getOrder';
import { orderStore, orderView } from '../../lib/stores/orders';
import { closeRedis } from '../../lib/stores/redis';
import { invokeHttp } from '../support/http';

afterAll(async () => {
  await closeRedis();
});

const order = {
  order_id: randomUUID(),
  customer_id: 'customer-get',
  items: [{ product_id: 'SKU-1', quantity: 1, price: 2 }],
  total: 2,
  created_at: new Date().toISOString(),
};

it('shows the steps of the caller’s own order', async () => {
  await orderStore.completeStep('inventory-service', order, randomUUID(), 'reserved');
  const response = await invokeHttp(getOrder, { method: 'GET', subject: 'customer-get', pathParameters: { id: order.order_id } });
  expect(response.status).toBe(200);
  expect(response.json).toMatchObject({ order_id: order.order_id, customer_id: 'customer-get', steps: { 'inventory-service': { status: 'reserved' } } });
  // The answer is what docs/openapi.json documents, field for field.
  expect(z.strictObject(orderView.shape).safeParse(response.json).error?.issues ?? []).toEqual([]);
});

it('answers 404 for another customer’s order and for an unknown one', async () => {
  await orderStore.completeStep('payment-service', order, randomUUID(), 'payment-initiated');
  expect((await invokeHttp(getOrder, { method: 'GET', subject: 'someone-else', pathParameters: { id: order.order_id } })).status).toBe(404);
  expect((await invokeHttp(getOrder, { method: 'GET', subject: 'customer-get', pathParameters: { id: randomUUID() } })).status).toBe(404);
});

it('answers 400 naming the parameter for an id that is not a UUID', async () => {
  const response = await invokeHttp(getOrder, { method: 'GET', subject: 'customer-get', pathParameters: { id: 'not-a-uuid' } });
  expect(response.status).toBe(400);
  expect(response.json).toMatchObject({ errors: [{ field: 'id' }] });
});
