/**
 * The page-view counter: page views per path from `user.events`. Each batch becomes one increment
 * per path, applied exactly once per event however often Kafka redelivers it.
 */
import { CONSUMER_GROUP, userEvents } from '../events/catalog';
import { kafkaBatchConsumer } from '../lib/consumer';
import { aggregateOnce, pageViewCommands } from '../lib/stores/analytics';

export const handler = kafkaBatchConsumer({ group: CONSUMER_GROUP.pageViews, topic: userEvents }, aggregateOnce(pageViewCommands));
