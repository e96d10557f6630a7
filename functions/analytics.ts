/**
 * analytics-service — counts orders, items and revenue.
 */
import { orderPlaced } from '../events/catalog';
import { kafkaConsumer } from '../lib/consumer';
import { orderStore } from '../lib/stores/orders';

export const handler = kafkaConsumer({ group: 'analytics-service', topic: orderPlaced }, async (order, record) => {
  await orderStore.countOrder(record.group, order, record.eventId);
});
