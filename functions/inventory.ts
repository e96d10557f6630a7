/**
 * inventory-service — reserves stock for every item of a placed order.
 */
import { orderPlaced } from '../events/catalog';
import { kafkaConsumer } from '../lib/consumer';
import { orderStore } from '../lib/stores/orders';

export const handler = kafkaConsumer({ group: 'inventory-service', topic: orderPlaced }, async (order, record) => {
  await orderStore.reserveStock(record.group, order, record.eventId);
});
