/**
 * email-service — sends the order confirmation (recorded in the outbox of sent confirmations, capped).
 */
import { orderPlaced } from '../events/catalog';
import { kafkaConsumer } from '../lib/consumer';
import { orderStore } from '../lib/stores/orders';

export const handler = kafkaConsumer({ group: 'email-service', topic: orderPlaced }, async (order, record) => {
  const confirmation = JSON.stringify({ to: order.customer_id, order_id: order.order_id, total: order.total, items: order.items.length });
  await orderStore.recordConfirmation(record.group, order, record.eventId, confirmation);
});
