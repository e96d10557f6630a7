/**
 * The thumbnail consumer — makes a transcoded video's thumbnail (simulated: lib/simulated-work.ts) and
 * publishes `video.ready` with its URL. Publish first, then mark done; the published event's id is
 * derived from the input event's id, so a redelivery never adds a second, different event.
 */
import { CONSUMER_GROUP, type VideoReady, videoReady, videoTranscoded } from '../events/catalog';
import { kafkaConsumer } from '../lib/consumer';
import { derivedEventId } from '../lib/kafka/derived-id';
import { publish } from '../lib/kafka/publisher';
import { simulateWork } from '../lib/simulated-work';
import { videoStore } from '../lib/stores/videos';

/** Where thumbnails are served from (`THUMBNAIL_BASE_URL`). */
export function thumbnailUrl(videoId: string, base = process.env.THUMBNAIL_BASE_URL || 'https://thumbnails.example.com'): string {
  return `${base.replace(/\/+$/, '')}/${videoId}.jpg`;
}

export const handler = kafkaConsumer({ group: CONSUMER_GROUP.thumbnail, topic: videoTranscoded }, async (video, record) => {
  await simulateWork('thumbnail');
  const ready: VideoReady = { video_id: video.video_id, user_id: video.user_id, thumbnail_url: thumbnailUrl(video.video_id) };
  await publish(videoReady, ready, { eventId: derivedEventId(record.eventId, record.group) });
  await videoStore.recordThumbnail(record.group, record.eventId, ready);
});
