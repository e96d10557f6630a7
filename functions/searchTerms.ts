/**
 * search-terms — counts searched terms from `user.events`: the same stream as page-views, read by
 * its own consumer group at its own pace (fan-out). One increment per term per batch, once per event.
 */
import { userEvents } from '../events/catalog';
import { kafkaAggregatingConsumer } from '../lib/consumer-batch';
import { searchTermCommands } from '../lib/stores/analytics';

export const handler = kafkaAggregatingConsumer({ group: 'search-terms', topic: userEvents }, searchTermCommands);
