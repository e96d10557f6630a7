/**
 * POST /checkout — places an order: the caller's items become an `order.placed` event, and the
 * caller gets 202 with the order id once Kafka has the event. Inventory, payment, email and
 * analytics each pick it up on their own.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { type OrderPlaced, orderItem, orderPlaced } from '../events/catalog';
import { httpApi, json } from '../lib/http/api';
import { publish } from '../lib/kafka/publisher';

const checkoutRequest = z.strictObject({
  items: z.array(orderItem).min(1).max(100),
});

const accepted = { 202: { description: 'Accepted: Kafka has the `order.placed` event.', body: z.object({ order_id: orderPlaced.schema.shape.order_id }) } };

export const handler = httpApi({ body: checkoutRequest, docs: { responses: accepted } }, async ({ body, caller }) => {
  const order: OrderPlaced = {
    order_id: randomUUID(),
    customer_id: caller.id,
    items: body.items,
    // The server computes the total; a client-sent total is refused as an unknown field.
    total: Math.round(body.items.reduce((sum, item) => sum + item.quantity * item.price * 100, 0)) / 100,
    created_at: new Date().toISOString(),
  };
  await publish(orderPlaced, order, { source: 'checkout' });
  return json(202, { order_id: order.order_id });
});
