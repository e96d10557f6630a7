/**
 * The transcode consumer — transcodes an uploaded video (simulated: lib/simulated-work.ts) and
 * publishes `video.transcoded` with its formats and duration.
 *
 * Publish first, then mark the step done. The published event's id is derived from the input
 * event's id, so if the step is redelivered after publishing but before marking, it re-publishes
 * the same event id and the thumbnail service's idempotency drops the repeat.
 */
import { CONSUMER_GROUP, type VideoTranscoded, videoTranscoded, videoUploaded } from '../events/catalog';
import { kafkaConsumer } from '../lib/consumer';
import { derivedEventId } from '../lib/kafka/derived-id';
import { HEADER } from '../lib/kafka/headers';
import { publish } from '../lib/kafka/publisher';
import { simulateWork } from '../lib/simulated-work';
import { videoStore } from '../lib/stores/videos';

const MB = 1024 * 1024;

/** Renditions worth making for a source of this size. */
export function formatsFor(sizeBytes: number): string[] {
  const formats = ['480p', '720p'];
  if (sizeBytes >= 50 * MB) formats.push('1080p');
  if (sizeBytes >= 500 * MB) formats.push('4k');
  return formats;
}

/** Duration estimated from the size, at about 1 MB per 8 seconds. */
export function durationFor(sizeBytes: number): number {
  return Math.max(1, Math.round((sizeBytes / MB) * 8));
}

export const handler = kafkaConsumer({ group: CONSUMER_GROUP.transcode, topic: videoUploaded }, async (video, record) => {
  await simulateWork('transcode');
  const transcoded: VideoTranscoded = {
    video_id: video.video_id,
    user_id: video.user_id,
    formats: formatsFor(video.size_bytes),
    duration_seconds: durationFor(video.size_bytes),
  };
  await publish(videoTranscoded, transcoded, { eventId: derivedEventId(record.eventId, record.group) });
  const uploadedAt = record.headers[HEADER.time] ?? new Date(record.timestamp).toISOString();
  await videoStore.recordTranscode(record.group, record.eventId, video, transcoded, uploadedAt);
});
