/**
 * The search-index consumer — indexes a ready video for search (simulated work, then the video joins
 * its owner's index and the recent-videos index), the last step of the pipeline.
 */
import { CONSUMER_GROUP, videoReady } from '../events/catalog';
import { kafkaConsumer } from '../lib/consumer';
import { simulateWork } from '../lib/simulated-work';
import { videoStore } from '../lib/stores/videos';

export const handler = kafkaConsumer({ group: CONSUMER_GROUP.searchIndex, topic: videoReady }, async (video, record) => {
  await simulateWork('search-index');
  await videoStore.recordIndexed(record.group, record.eventId, video);
});
