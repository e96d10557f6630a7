/**
 * GET /orders/{id} — where an order stands in each service. Callers see only their own orders.
 */
import { httpApi, json } from '../lib/http/api';
import { uuidParameter, uuidSchema } from '../lib/http/params';
import { HttpProblem } from '../lib/http/problem';
import { orderStore, orderView } from '../lib/stores/orders';

const docs = {
  pathParameters: { id: uuidSchema },
  responses: { 200: { description: "The order and each service's step.", body: orderView }, 404: { description: 'No such order of the caller.' } },
};

export const handler = httpApi({ docs }, async (request) => {
  const id = uuidParameter(request, 'id', 'order');
  const order = await orderStore.get(id);
  // Someone else's order is as unknown to the caller as a missing one.
  if (!order || order.customer_id !== request.caller.id) throw new HttpProblem(404, 'Not Found', `No order ${id}`);
  return json(200, order);
});
