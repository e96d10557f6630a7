/**
 * The inventory consumer — reserves stock for every item of a placed order.
 */
import { CONSUMER_GROUP, orderPlaced } from '../events/catalog';
import { kafkaConsumer } from '../lib/consumer';
import { orderStore } from '../lib/stores/orders';
import { keyPrefix } from '../lib/stores/redis';

export const handler = kafkaConsumer({ group: CONSUMER_GROUP.inventory, topic: orderPlaced }, async (order, record) => {
  const reservations = order.items.map((item): [string, string, string, number] => [
    'HINCRBY',
    `${keyPrefix()}inventory:reserved`,
    item.product_id,
    item.quantity,
  ]);
  await orderStore.completeStep(record.group, order, record.eventId, 'reserved', reservations);
});
