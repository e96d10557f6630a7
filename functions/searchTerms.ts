/**
 * search-terms — counts searched terms from `user.events`: the same stream as page-views, read by
 * its own consumer group at its own pace (fan-out). One increment per term per batch, once per event.
 */
import { userEvents } from '../events/catalog';
import { kafkaBatchConsumer } from '../lib/consumer';
import { aggregateOnce, searchTermCommands } from '../lib/stores/analytics';

export const handler = kafkaBatchConsumer({ group: 'search-terms', topic: userEvents }, aggregateOnce(searchTermCommands));
