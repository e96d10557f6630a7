/**
 * GET /videos/{id} — where a video stands in the pipeline: status (uploaded / transcoded / ready /
 * indexed), formats, thumbnail and when each step finished. Callers see only their own videos.
 */
import { z } from 'zod';
import { httpApi, json } from '../lib/http/api';
import { HttpProblem } from '../lib/http/problem';
import { videoStore } from '../lib/stores/videos';

export const handler = httpApi({}, async ({ pathParameters, caller }) => {
  const id = z.uuid().safeParse(pathParameters.id);
  if (!id.success) throw new HttpProblem(400, 'Invalid video id', 'The video id must be a UUID', [{ field: 'id', message: 'Must be a UUID' }]);
  const video = await videoStore.get(id.data);
  // Someone else's video is as unknown to the caller as a missing one.
  if (!video || video.user_id !== caller.id) throw new HttpProblem(404, 'Not Found', `No video ${id.data}`);
  return json(200, video);
});
