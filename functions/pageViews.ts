/**
 * page-views — counts page views per path from `user.events`. Each batch becomes one increment
 * per path, applied exactly once per event however often Kafka redelivers it.
 */
import { userEvents } from '../events/catalog';
import { kafkaBatchConsumer } from '../lib/consumer';
import { aggregateOnce, pageViewCommands } from '../lib/stores/analytics';

export const handler = kafkaBatchConsumer({ group: 'page-views', topic: userEvents }, aggregateOnce(pageViewCommands));
