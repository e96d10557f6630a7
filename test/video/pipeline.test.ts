/**
 * The video pipeline against the real broker and Redis. A video is posted through POST /videos
 * (handler in-process, JWT claims as the gateway passes them); each step is then driven as Lambda's
 * Kafka trigger would drive it: its input topic is read back from Kafka and the batch handed to
 * the step's handler. Redeliveries are forced by handing the same batch over again.
 */
import { z } from 'zod';
import { videoReady, videoTranscoded, videoUploaded } from '../../events/catalog';
import { handler as getVideo } from '../../functions/getVideo';
import { handler as searchIndex } from '../../functions/searchIndex';
import { handler as thumbnail } from '../../functions/thumbnail';
import { handler as transcode } from '../../functions/transcode';
import { handler as uploadVideo } from '../../functions/uploadVideo';
import type { KafkaBatchResponse } from '../../lib/consumer';
import { derivedEventId } from '../../lib/kafka/derived-id';
import { HEADER } from '../../lib/kafka/headers';
import { disconnectProducer } from '../../lib/kafka/publisher';
import { closeRedis, redis } from '../../lib/stores/redis';
import { videoIndexKeys, videoStore, videoView } from '../../lib/stores/videos';
import { invokeHttp, lambdaContext } from '../support/http';
import { endOffsets, mskEventOf, type ReadRecord, readRecords } from '../support/kafka';

type KafkaHandler = (event: ReturnType<typeof mskEventOf>, context: ReturnType<typeof lambdaContext>) => Promise<KafkaBatchResponse>;

const STEP_ENV = ['TRANSCODE', 'THUMBNAIL', 'SEARCH_INDEX'].flatMap((step) => [`${step}_WORK_MS`, `${step}_FAILURE_RATE`]);

beforeEach(() => {
  for (const name of STEP_ENV) process.env[name] = '0';
});

afterAll(async () => {
  for (const name of STEP_ENV) delete process.env[name];
  await disconnectProducer();
  await closeRedis();
});

const idOf = (r: ReadRecord) => String(r.message.headers?.[HEADER.id]);

/** Offsets of every pipeline topic now: what a test publishes comes after them. */
async function mark(): Promise<Record<string, Map<number, number>>> {
  const names = [videoUploaded.name, videoTranscoded.name, videoReady.name];
  return Object.fromEntries(await Promise.all(names.map(async (name) => [name, await endOffsets(name)] as const)));
}

/** The records of `videoId` written to `topic` since `since`. */
async function recordsOf(topic: string, since: Record<string, Map<number, number>>, videoId: string): Promise<ReadRecord[]> {
  return (await readRecords(topic, since[topic] as Map<number, number>)).filter((r) => r.message.key?.toString() === videoId);
}

/** Reads the step's input records of `videoId` from Kafka and delivers them to the step as one batch. */
async function drive(handler: KafkaHandler, topic: string, since: Record<string, Map<number, number>>, videoId: string) {
  const records = await recordsOf(topic, since, videoId);
  expect(records.length).toBeGreaterThan(0);
  const batch = mskEventOf(records);
  const response = await handler(batch, lambdaContext(60_000));
  return { records, batch, response };
}

async function upload(owner: string, body: object = { s3_key: `uploads/${owner}/clip.mp4`, size_bytes: 80 * 1024 * 1024 }): Promise<string> {
  const response = await invokeHttp(uploadVideo, { path: '/videos', body, subject: owner });
  expect(response.status).toBe(202);
  return String(response.json?.video_id);
}

async function view(videoId: string, subject: string) {
  return invokeHttp(getVideo, { method: 'GET', path: `/videos/${videoId}`, pathParameters: { id: videoId }, subject });
}

test('a video posted over HTTP reaches indexed through transcode, thumbnail and search index', async () => {
  const since = await mark();
  const videoId = await upload('owner-1');

  const uploaded = await view(videoId, 'owner-1');
  expect(uploaded.status).toBe(200);
  expect(uploaded.json).toMatchObject({
    video_id: videoId,
    user_id: 'owner-1',
    status: 'uploaded',
    s3_key: 'uploads/owner-1/clip.mp4',
    size_bytes: 80 * 1024 * 1024,
  });

  const step1 = await drive(transcode, videoUploaded.name, since, videoId);
  expect(step1.response.batchItemFailures).toEqual([]);
  expect((await view(videoId, 'owner-1')).json).toMatchObject({ status: 'transcoded', formats: ['480p', '720p', '1080p'], duration_seconds: 640 });

  const step2 = await drive(thumbnail, videoTranscoded.name, since, videoId);
  expect(step2.response.batchItemFailures).toEqual([]);
  expect((await view(videoId, 'owner-1')).json).toMatchObject({ status: 'ready', thumbnail_url: `https://thumbnails.example.com/${videoId}.jpg` });

  const step3 = await drive(searchIndex, videoReady.name, since, videoId);
  expect(step3.response.batchItemFailures).toEqual([]);

  const done = await view(videoId, 'owner-1');
  // The answer is what docs/openapi.json documents, field for field.
  expect(z.strictObject(videoView.shape).safeParse(done.json).error?.issues ?? []).toEqual([]);
  expect(done.json).toMatchObject({ status: 'indexed', formats: ['480p', '720p', '1080p'], thumbnail_url: `https://thumbnails.example.com/${videoId}.jpg` });
  const steps = (done.json?.steps ?? {}) as Record<string, string>;
  const times = ['uploaded', 'transcoded', 'ready', 'indexed'].map((s) => Date.parse(steps[s] as string));
  expect(times.every(Number.isFinite)).toBe(true);
  expect([...times].sort((a, b) => a - b)).toEqual(times);
  expect(await redis().sismember(videoIndexKeys.byUser('owner-1'), videoId)).toBe(1);

  // Each step's event id comes from its input's: upload -> transcoded -> ready.
  const uploadId = idOf(step1.records[0] as ReadRecord);
  expect(step2.records.map(idOf)).toEqual([derivedEventId(uploadId, 'transcode-service')]);
  expect(step3.records.map(idOf)).toEqual([derivedEventId(derivedEventId(uploadId, 'transcode-service'), 'thumbnail-service')]);

  // Someone else's video does not exist for them.
  expect((await view(videoId, 'someone-else')).status).toBe(404);
});

test('a step that fails transiently still gets the video to indexed, each downstream event published once', async () => {
  const since = await mark();
  const videoId = await upload('owner-2');
  expect((await drive(transcode, videoUploaded.name, since, videoId)).response.batchItemFailures).toEqual([]);

  // Thumbnails fail on every attempt: the record is reported for redelivery, nothing is published.
  process.env.THUMBNAIL_FAILURE_RATE = '1';
  const failed = await drive(thumbnail, videoTranscoded.name, since, videoId);
  const [failedRecord] = failed.records;
  expect(failed.response.batchItemFailures).toEqual([
    { itemIdentifier: { partition: `${videoTranscoded.name}-${failedRecord?.partition}`, offset: Number(failedRecord?.message.offset) } },
  ]);
  expect(await recordsOf(videoReady.name, since, videoId)).toHaveLength(0);
  expect((await view(videoId, 'owner-2')).json).toMatchObject({ status: 'transcoded' });

  // The failure passes; Lambda redelivers the batch.
  process.env.THUMBNAIL_FAILURE_RATE = '0';
  expect((await thumbnail(failed.batch, lambdaContext(60_000))).batchItemFailures).toEqual([]);
  // Forced redeliveries of steps that had succeeded: nothing is published again.
  expect((await transcode(mskEventOf(await recordsOf(videoUploaded.name, since, videoId)), lambdaContext(60_000))).batchItemFailures).toEqual([]);
  expect((await thumbnail(failed.batch, lambdaContext(60_000))).batchItemFailures).toEqual([]);

  const indexed = await drive(searchIndex, videoReady.name, since, videoId);
  expect(indexed.response.batchItemFailures).toEqual([]);
  expect((await view(videoId, 'owner-2')).json).toMatchObject({ status: 'indexed' });

  // Exactly one record per downstream event id.
  for (const topic of [videoTranscoded.name, videoReady.name]) {
    const ids = (await recordsOf(topic, since, videoId)).map(idOf);
    expect(ids).toHaveLength(1);
  }
});

test('a step redelivered after publishing but before marking itself done re-publishes the same event id, which the next step drops', async () => {
  const since = await mark();
  const videoId = await upload('owner-3', { s3_key: 'uploads/owner-3/short.mp4', size_bytes: 2 * 1024 * 1024 });

  // The first attempt publishes video.transcoded, then "crashes" before recording the step.
  const spy = jest.spyOn(videoStore, 'completeStep').mockRejectedValueOnce(new Error('container died'));
  try {
    expect((await drive(transcode, videoUploaded.name, since, videoId)).response.batchItemFailures).toEqual([]);
  } finally {
    spy.mockRestore();
  }
  const transcoded = await recordsOf(videoTranscoded.name, since, videoId);
  expect(transcoded).toHaveLength(2);
  expect(new Set(transcoded.map(idOf)).size).toBe(1);

  // Both copies reach the thumbnail service; it publishes video.ready once.
  expect((await drive(thumbnail, videoTranscoded.name, since, videoId)).response.batchItemFailures).toEqual([]);
  expect(await recordsOf(videoReady.name, since, videoId)).toHaveLength(1);
  expect((await drive(searchIndex, videoReady.name, since, videoId)).response.batchItemFailures).toEqual([]);
  expect((await view(videoId, 'owner-3')).json).toMatchObject({ status: 'indexed', formats: ['480p', '720p'], duration_seconds: 16 });
});

test('bad uploads are refused with the field named and publish nothing', async () => {
  const before = await endOffsets(videoUploaded.name);
  for (const [body, field] of [
    [{ s3_key: '', size_bytes: 10 }, 's3_key'],
    [{ s3_key: 'a.mp4', size_bytes: 0 }, 'size_bytes'],
    [{ s3_key: 'a.mp4', size_bytes: '10' }, 'size_bytes'],
    [{ s3_key: 'a.mp4', size_bytes: 10, user_id: 'x' }, 'user_id'],
  ] as const) {
    const response = await invokeHttp(uploadVideo, { path: '/videos', body, subject: 'owner-4' });
    expect(response.status).toBe(400);
    expect(((response.json?.errors ?? []) as { field: string }[]).map((e) => e.field)).toContain(field);
  }
  expect(await endOffsets(videoUploaded.name)).toEqual(before);
  expect((await view('not-a-uuid', 'owner-4')).status).toBe(400);
});

test('an upload cannot name another user’s object: s3_key must be under the caller’s own prefix', async () => {
  const before = await endOffsets(videoUploaded.name);
  for (const s3_key of ['uploads/owner-6/clip.mp4', 'uploads/owner-5/../owner-6/clip.mp4', 'uploads/owner-5/', 'clip.mp4', 'uploads/owner-55/clip.mp4']) {
    const response = await invokeHttp(uploadVideo, { path: '/videos', body: { s3_key, size_bytes: 10 }, subject: 'owner-5' });
    expect({ s3_key, status: response.status, type: response.headers['content-type'] }).toEqual({ s3_key, status: 400, type: 'application/problem+json' });
    expect(response.json?.errors).toEqual([{ field: 's3_key', message: 'Must start with uploads/owner-5/ and name an object' }]);
  }
  expect(await endOffsets(videoUploaded.name)).toEqual(before);
  // The caller's own prefix is accepted.
  await upload('owner-5', { s3_key: 'uploads/owner-5/holiday/clip.mp4', size_bytes: 10 });
});
