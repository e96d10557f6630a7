/**
 * page-views — counts page views per path from `user.events`. Each batch becomes one increment
 * per path, applied exactly once per event however often Kafka redelivers it (lib/consumer-batch.ts).
 */
import { userEvents } from '../events/catalog';
import { kafkaAggregatingConsumer } from '../lib/consumer-batch';
import { pageViewCommands } from '../lib/stores/analytics';

export const handler = kafkaAggregatingConsumer({ group: 'page-views', topic: userEvents }, pageViewCommands);
