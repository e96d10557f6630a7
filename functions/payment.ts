/**
 * The payment consumer — initiates the payment of a placed order for its total.
 */
import { CONSUMER_GROUP, orderPlaced } from '../events/catalog';
import { kafkaConsumer } from '../lib/consumer';
import { orderStore } from '../lib/stores/orders';

export const handler = kafkaConsumer({ group: CONSUMER_GROUP.payment, topic: orderPlaced }, async (order, record) => {
  await orderStore.initiatePayment(record.group, order, record.eventId);
});
