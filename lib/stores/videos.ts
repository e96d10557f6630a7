/**
 * Videos as the pipeline sees them: which steps are done and when, and what each step produced.
 *
 * Each step writes its results, its timestamp and its stage counter together with its "applied"
 * marker (lib/stores/once.ts), once per event. The status is the furthest stage reached, so it
 * never goes back even if steps are recorded out of order (a step that published its event and
 * was redelivered before it could record itself).
 *
 * Each consumer calls the operation named for its step (`recordTranscode`, `recordThumbnail`,
 * `recordIndexed`); each is {@link videoStore.completeStep} with that step's results.
 *
 * @example
 * await videoStore.recordTranscode(CONSUMER_GROUP.transcode, eventId, upload, transcoded, uploadedAt);
 * const view = await videoStore.get(videoId);   // { status: 'transcoded', steps: { uploaded: '...', transcoded: '...' }, ... }
 */
import { z } from 'zod';
import type { VideoReady, VideoTranscoded, VideoUploaded } from '../../events/catalog';
import { applyOnce, type RedisCommand } from './once';
import { keyPrefix, redis } from './redis';

/** The pipeline's stages, in order. */
const VIDEO_STAGES = ['uploaded', 'transcoded', 'ready', 'indexed'] as const;
export type VideoStage = (typeof VIDEO_STAGES)[number];

/** A video as GET /videos/{id} answers it. A schema (not only a type) so the route documents it (docs/openapi.json). */
export const videoView = z.object({
  video_id: z.string(),
  user_id: z.string(),
  status: z.enum(VIDEO_STAGES),
  s3_key: z.string().optional(),
  size_bytes: z.number().optional(),
  formats: z.array(z.string()).optional(),
  duration_seconds: z.number().optional(),
  thumbnail_url: z.string().optional(),
  steps: z.partialRecord(z.enum(VIDEO_STAGES), z.string()).meta({ description: 'When each stage was reached (RFC 3339).' }),
});
export type VideoView = z.infer<typeof videoView>;

const videoKey = (videoId: string) => `${keyPrefix()}video:${videoId}`;
/** How many videos reached each stage (each counted once per video, by the step that reaches it). */
const videoStagesKey = () => `${keyPrefix()}videos:reached`;
/** The search index: videos per user, and every indexed video by time. */
export const videoIndexKeys = {
  byUser: (userId: string) => `${keyPrefix()}video-index:user:${userId}`,
  recent: () => `${keyPrefix()}video-index:recent`,
};

/**
 * How long a video's view and its owner's index live after their last write (longer than the
 * applied markers, 21 days); the recent-videos index keeps the newest {@link MAX_RECENT_VIDEOS}.
 */
const VIDEO_VIEW_TTL_SECONDS = 30 * 24 * 60 * 60;
const MAX_RECENT_VIDEOS = 1000;

/** A video joins its owner's index and the recent-videos index, both bounded. */
function indexCommands(video: { video_id: string; user_id: string }, at = Date.now()): RedisCommand[] {
  const byUser = videoIndexKeys.byUser(video.user_id);
  return [
    ['SADD', byUser, video.video_id],
    ['EXPIRE', byUser, VIDEO_VIEW_TTL_SECONDS],
    ['ZADD', videoIndexKeys.recent(), at, video.video_id],
    ['ZREMRANGEBYRANK', videoIndexKeys.recent(), 0, -(MAX_RECENT_VIDEOS + 1)],
  ];
}

/** Group name of the upload's own once-marker (the HTTP function, not a consumer). */
const UPLOAD_WRITER = 'video-upload';

export const videoStore = {
  /** Records an accepted upload (after `video.uploaded` was acknowledged), once per event. */
  async recordUpload(eventId: string, video: VideoUploaded, at = new Date().toISOString()): Promise<boolean> {
    const key = videoKey(video.video_id);
    return applyOnce(UPLOAD_WRITER, eventId, [
      ['HSET', key, 'video_id', video.video_id, 'user_id', video.user_id, 's3_key', video.s3_key, 'size_bytes', video.size_bytes],
      ['HSETNX', key, 'at:uploaded', at],
      ['EXPIRE', key, VIDEO_VIEW_TTL_SECONDS],
      ['HINCRBY', videoStagesKey(), 'uploaded', 1],
    ]);
  },

  /**
   * Records that `group` brought the video to `stage`, with the step's `fields` (strings) and any
   * extra `effect`, exactly once per input event.
   */
  async completeStep(
    group: string,
    eventId: string,
    video: { video_id: string; user_id: string },
    stage: Exclude<VideoStage, 'uploaded'>,
    fields: Record<string, string | number> = {},
    effect: RedisCommand[] = [],
  ): Promise<boolean> {
    const key = videoKey(video.video_id);
    return applyOnce(group, eventId, [
      ...effect,
      ['HSET', key, 'video_id', video.video_id, 'user_id', video.user_id, ...Object.entries(fields).flat(), `at:${stage}`, new Date().toISOString()],
      ['EXPIRE', key, VIDEO_VIEW_TTL_SECONDS],
      ['HINCRBY', videoStagesKey(), stage, 1],
    ]);
  },

  /**
   * The transcode step: the renditions made (`transcoded`), plus the upload's own facts in case
   * POST /videos could not record them (`uploadedAt`: when it was uploaded).
   */
  async recordTranscode(group: string, eventId: string, upload: VideoUploaded, transcoded: VideoTranscoded, uploadedAt: string): Promise<boolean> {
    const key = videoKey(upload.video_id);
    const fields = { formats: JSON.stringify(transcoded.formats), duration_seconds: transcoded.duration_seconds };
    return videoStore.completeStep(group, eventId, upload, 'transcoded', fields, [
      ['HSETNX', key, 'at:uploaded', uploadedAt],
      ['HSETNX', key, 's3_key', upload.s3_key],
      ['HSETNX', key, 'size_bytes', upload.size_bytes],
    ]);
  },

  /** The thumbnail step: the video's thumbnail is made (`ready`). */
  async recordThumbnail(group: string, eventId: string, ready: VideoReady): Promise<boolean> {
    return videoStore.completeStep(group, eventId, ready, 'ready', { thumbnail_url: ready.thumbnail_url });
  },

  /** The search-index step: the video joins its owner's index and the recent-videos index (`indexed`). */
  async recordIndexed(group: string, eventId: string, video: VideoReady): Promise<boolean> {
    return videoStore.completeStep(group, eventId, video, 'indexed', { thumbnail_url: video.thumbnail_url }, indexCommands(video));
  },

  async get(videoId: string): Promise<VideoView | undefined> {
    const fields = await redis().hgetall(videoKey(videoId));
    if (!fields.video_id) return undefined;
    const steps: Partial<Record<VideoStage, string>> = {};
    for (const stage of VIDEO_STAGES) if (fields[`at:${stage}`]) steps[stage] = fields[`at:${stage}`];
    const status = [...VIDEO_STAGES].reverse().find((stage) => steps[stage] !== undefined) ?? 'uploaded';
    const view: VideoView = { video_id: fields.video_id, user_id: fields.user_id ?? '', status, steps };
    if (fields.s3_key) view.s3_key = fields.s3_key;
    if (fields.size_bytes) view.size_bytes = Number(fields.size_bytes);
    if (fields.formats) view.formats = JSON.parse(fields.formats) as string[];
    if (fields.duration_seconds) view.duration_seconds = Number(fields.duration_seconds);
    if (fields.thumbnail_url) view.thumbnail_url = fields.thumbnail_url;
    return view;
  },

  /**
   * Videos per current status: reached a stage and not the next one. A count can be briefly off
   * while a later step is recorded before an earlier one; it is never negative.
   */
  async countByStatus(): Promise<Record<VideoStage, number>> {
    const reached = await redis().hgetall(videoStagesKey());
    const counts = {} as Record<VideoStage, number>;
    VIDEO_STAGES.forEach((stage, i) => {
      const here = Number(reached[stage] ?? 0);
      const next = i + 1 < VIDEO_STAGES.length ? Number(reached[VIDEO_STAGES[i + 1] as VideoStage] ?? 0) : 0;
      counts[stage] = Math.max(0, here - next);
    });
    return counts;
  },
};
