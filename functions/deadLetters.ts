/**
 * GET /dead-letters/{group} — the operator console's list of a consumer group's dead letters, with
 * the reason each carries (`x-dlq-*`): the newest 50, in offset order. Operators only (custom.deploy.operatorRoutes).
 */
import { z } from 'zod';
import { consoleReaderFor } from '../events/catalog';
import { httpApi, json } from '../lib/http/api';
import { groupParameter, groupSchema } from '../lib/http/group-parameter';
import { listDeadLetters } from '../lib/operations/dead-letters';

/** Most dead letters in one answer: the console shows the newest (what is failing now); `npm run dlq` lists them all. */
const LIMIT = 50;

export const deadLetterView = z.object({
  partition: z.number().int(),
  offset: z.number().int(),
  event_id: z.string(),
  key: z.string().nullable(),
  error: z.string(),
  error_class: z.string(),
  condition: z.string().optional(),
  source: z.object({ topic: z.string(), partition: z.number().int(), offset: z.number().int() }),
  attempts: z.number().int(),
  failed_at: z.string().optional(),
  redriven: z.boolean(),
});

const docs = {
  pathParameters: { group: groupSchema },
  responses: {
    200: {
      description: `The group's newest dead letters (at most ${LIMIT}, in offset order) and why each failed.`,
      body: z.object({ group: z.string(), dead_letters: z.array(deadLetterView) }),
    },
    404: { description: 'No such consumer group.' },
  },
};

export const handler = httpApi({ docs }, async (request) => {
  const group = groupParameter(request);
  const letters = (await listDeadLetters(group, { reader: consoleReaderFor(group) })).slice(-LIMIT);
  const view = letters.map((letter) => ({
    partition: letter.partition,
    offset: letter.offset,
    event_id: letter.eventId,
    key: letter.key,
    error: letter.error,
    error_class: letter.errorClass,
    ...(letter.condition === undefined ? {} : { condition: letter.condition }),
    source: { topic: letter.source.topic, partition: letter.source.partition, offset: letter.source.offset },
    attempts: letter.attempts,
    ...(letter.failedAt === undefined ? {} : { failed_at: letter.failedAt }),
    redriven: letter.redriven,
  }));
  return json(200, { group, dead_letters: view }, { 'cache-control': 'no-store' });
});
