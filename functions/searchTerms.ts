/**
 * The search-term counter: searched terms from `user.events`, the stream the page-view counter
 * reads too, each with its own consumer group at its own pace (fan-out). One increment per term per batch, once per event.
 */
import { CONSUMER_GROUP, userEvents } from '../events/catalog';
import { kafkaBatchConsumer } from '../lib/consumer';
import { aggregateOnce, searchTermCommands } from '../lib/stores/analytics';

export const handler = kafkaBatchConsumer({ group: CONSUMER_GROUP.searchTerms, topic: userEvents }, aggregateOnce(searchTermCommands));
