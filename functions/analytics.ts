/**
 * The analytics consumer — counts orders, items and revenue.
 */
import { CONSUMER_GROUP, orderPlaced } from '../events/catalog';
import { kafkaConsumer } from '../lib/consumer';
import { orderStore } from '../lib/stores/orders';
import { keyPrefix } from '../lib/stores/redis';

export const handler = kafkaConsumer({ group: CONSUMER_GROUP.analytics, topic: orderPlaced }, async (order, record) => {
  const totals = `${keyPrefix()}analytics:orders`;
  const items = order.items.reduce((sum, item) => sum + item.quantity, 0);
  await orderStore.completeStep(record.group, order, record.eventId, 'counted', [
    ['HINCRBY', totals, 'orders', 1],
    ['HINCRBY', totals, 'items', items],
    ['HINCRBY', totals, 'revenue_cents', Math.round(order.total * 100)],
  ]);
});
