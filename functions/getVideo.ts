/**
 * GET /videos/{id} — where a video stands in the pipeline: status (uploaded / transcoded / ready /
 * indexed), formats, thumbnail and when each step finished. Callers see only their own videos.
 */
import { httpApi, json } from '../lib/http/api';
import { uuidParameter, uuidSchema } from '../lib/http/params';
import { HttpProblem } from '../lib/http/problem';
import { videoStore, videoView } from '../lib/stores/videos';

const docs = {
  pathParameters: { id: uuidSchema },
  responses: {
    200: { description: 'The video, its status and when each step finished.', body: videoView },
    404: { description: 'No such video of the caller.' },
  },
};

export const handler = httpApi({ docs }, async (request) => {
  const id = uuidParameter(request, 'id', 'video');
  const video = await videoStore.get(id);
  // Someone else's video is as unknown to the caller as a missing one.
  if (!video || video.user_id !== request.caller.id) throw new HttpProblem(404, 'Not Found', `No video ${id}`);
  return json(200, video);
});
