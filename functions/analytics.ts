/**
 * The analytics consumer — counts orders, items and revenue.
 */
import { CONSUMER_GROUP, orderPlaced } from '../events/catalog';
import { kafkaConsumer } from '../lib/consumer';
import { orderStore } from '../lib/stores/orders';

export const handler = kafkaConsumer({ group: CONSUMER_GROUP.analytics, topic: orderPlaced }, async (order, record) => {
  await orderStore.countOrder(record.group, order, record.eventId);
});
