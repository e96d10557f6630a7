/**
 * The email consumer — sends the order confirmation (recorded in the outbox of sent confirmations, capped).
 */
import { CONSUMER_GROUP, orderPlaced } from '../events/catalog';
import { kafkaConsumer } from '../lib/consumer';
import { orderStore } from '../lib/stores/orders';

export const handler = kafkaConsumer({ group: CONSUMER_GROUP.email, topic: orderPlaced }, async (order, record) => {
  const confirmation = JSON.stringify({ to: order.customer_id, order_id: order.order_id, total: order.total, items: order.items.length });
  await orderStore.recordConfirmation(record.group, order, record.eventId, confirmation);
});
