/**
 * POST /videos — a video the caller uploaded to S3 enters the pipeline: `video.uploaded` is
 * published and the caller gets 202 with the video id once Kafka has it. Transcoding, thumbnail
 * and search indexing follow, each reacting to the previous step's event (GET /videos/{id}).
 *
 * The object must sit under the caller's own prefix, `uploads/<caller id>/` (the id URI-encoded):
 * nobody can push someone else's upload through the pipeline. 400 naming `s3_key` otherwise.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { type VideoUploaded, videoUploaded } from '../events/catalog';
import { errorMessage } from '../lib/errors';
import { httpApi, json } from '../lib/http/api';
import { HttpProblem } from '../lib/http/problem';
import { publish } from '../lib/kafka/publisher';
import { log } from '../lib/log';
import { videoStore } from '../lib/stores/videos';

/** Where a user's uploads live in the bucket. */
export const uploadPrefixOf = (userId: string) => `uploads/${encodeURIComponent(userId)}/`;

const fields = videoUploaded.schema.shape;
const uploadRequest = z.strictObject({ s3_key: fields.s3_key, size_bytes: fields.size_bytes });

const accepted = { 202: { description: 'Accepted: Kafka has the `video.uploaded` event.', body: z.object({ video_id: fields.video_id }) } };

export const handler = httpApi({ body: uploadRequest, docs: { responses: accepted } }, async ({ body, caller }) => {
  const prefix = uploadPrefixOf(caller.id);
  const rest = body.s3_key.startsWith(prefix) ? body.s3_key.slice(prefix.length) : '';
  if (rest === '' || rest.split('/').some((segment) => segment === '.' || segment === '..')) {
    throw new HttpProblem(400, 'Invalid request body', `s3_key must name an object under your own prefix ${prefix}`, [
      { field: 's3_key', message: `Must start with ${prefix} and name an object` },
    ]);
  }
  const video: VideoUploaded = { video_id: randomUUID(), s3_key: body.s3_key, user_id: caller.id, size_bytes: body.size_bytes };
  const { eventId } = await publish(videoUploaded, video, { source: 'videos-api' });
  try {
    await videoStore.recordUpload(eventId, video);
  } catch (error) {
    // The event is accepted and the pipeline will run; the view shows the video from its first step on.
    log.warn('upload accepted but not recorded in the video view', { video_id: video.video_id, error: errorMessage(error) });
  }
  return json(202, { video_id: video.video_id });
});
