/**
 * POST /dead-letters/{group}/redrive — redrives dead letters of a group to their source topic, for
 * that group only, each at most once: the same code as `npm run dlq -- redrive`
 * (lib/operations/dead-letters.ts). Body: `{ "offsets": ["0:4", 7] }` or `{ "all": true }`.
 * Operators only (custom.deploy.operatorRoutes).
 */
import { z } from 'zod';
import { httpApi, json } from '../lib/http/api';
import { groupParameter, groupSchema } from '../lib/http/group-parameter';
import { redriveDeadLetters } from '../lib/operations/dead-letters';

const offset = z.union([z.number().int().min(0), z.string().regex(/^(\d+:)?\d+$/, 'An offset, or partition:offset')]);

export const redriveRequest = z.union([
  z.strictObject({ offsets: z.array(offset).min(1, 'Name at least one dead letter').max(500) }),
  z.strictObject({ all: z.literal(true) }),
]);

const docs = {
  pathParameters: { group: groupSchema },
  responses: {
    200: {
      description: 'What was redriven, what had been already, and offsets not on the dead-letter topic.',
      body: z.object({
        group: z.string(),
        redriven: z.array(z.object({ partition: z.number(), offset: z.number(), event_id: z.string(), topic: z.string() })),
        already_redriven: z.array(z.number()),
        not_found: z.array(z.number()),
      }),
    },
    404: { description: 'No such consumer group.' },
  },
};

export const handler = httpApi({ body: redriveRequest, docs }, async (request) => {
  const group = groupParameter(request);
  const report = await redriveDeadLetters(group, request.body);
  return json(200, {
    group,
    redriven: report.redriven.map(({ partition, offset, eventId, topic }) => ({ partition, offset, event_id: eventId, topic })),
    already_redriven: report.alreadyRedriven,
    not_found: report.notFound,
  });
});
