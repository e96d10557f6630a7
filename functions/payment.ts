/**
 * The payment consumer — initiates the payment of a placed order for its total.
 */
import { CONSUMER_GROUP, orderPlaced } from '../events/catalog';
import { kafkaConsumer } from '../lib/consumer';
import { orderStore, perOrderHash } from '../lib/stores/orders';
import { keyPrefix } from '../lib/stores/redis';

export const handler = kafkaConsumer({ group: CONSUMER_GROUP.payment, topic: orderPlaced }, async (order, record) => {
  const payment = `${keyPrefix()}payment:${order.order_id}`;
  await orderStore.completeStep(record.group, order, record.eventId, 'payment-initiated', [
    ...perOrderHash(payment, { order_id: order.order_id, customer_id: order.customer_id, amount: order.total, status: 'initiated' }),
  ]);
});
