/**
 * The inventory consumer — reserves stock for every item of a placed order.
 */
import { CONSUMER_GROUP, orderPlaced } from '../events/catalog';
import { kafkaConsumer } from '../lib/consumer';
import { orderStore } from '../lib/stores/orders';

export const handler = kafkaConsumer({ group: CONSUMER_GROUP.inventory, topic: orderPlaced }, async (order, record) => {
  await orderStore.reserveStock(record.group, order, record.eventId);
});
