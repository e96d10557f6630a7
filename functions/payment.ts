/**
 * payment-service — initiates the payment of a placed order for its total.
 */
import { orderPlaced } from '../events/catalog';
import { kafkaConsumer } from '../lib/consumer';
import { orderStore } from '../lib/stores/orders';

export const handler = kafkaConsumer({ group: 'payment-service', topic: orderPlaced }, async (order, record) => {
  await orderStore.initiatePayment(record.group, order, record.eventId);
});
