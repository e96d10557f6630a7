/**
 * GET /orders/{id} — where an order stands in each service. Callers see only their own orders.
 */
import { z } from 'zod';
import { httpApi, json } from '../lib/http/api';
import { HttpProblem } from '../lib/http/problem';
import { orderStore } from '../lib/stores/orders';

export const handler = httpApi({}, async ({ pathParameters, caller }) => {
  const id = z.uuid().safeParse(pathParameters.id);
  if (!id.success) throw new HttpProblem(400, 'Invalid order id', 'The order id must be a UUID', [{ field: 'id', message: 'Must be a UUID' }]);
  const order = await orderStore.get(id.data);
  // Someone else's order is as unknown to the caller as a missing one.
  if (!order || order.customer_id !== caller.id) throw new HttpProblem(404, 'Not Found', `No order ${id.data}`);
  return json(200, order);
});
