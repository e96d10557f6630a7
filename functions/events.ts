/**
 * POST /events — user behaviour from browsers: one event, or a JSON array of up to 500 (browsers
 * batch). Every event is validated first; one invalid event rejects the request with its index
 * and field named (`3.session_id`) and nothing is published. Valid requests are published to
 * `user.events` in one send, keyed by session id, and answered 204 once Kafka acknowledged them.
 *
 * The server sets `timestamp`. `user_id` is the caller's verified identity: a body may omit it,
 * and one that names another user is refused, so nobody can record events as someone else.
 * Payload conventions: `page_view` needs `payload.path`, `search` needs `payload.query`.
 */
import { z } from 'zod';
import { type UserEvent, userEvents } from '../events/catalog';
import { httpApi } from '../lib/http/api';
import { HttpProblem, validationProblem } from '../lib/http/problem';
import { publishAll } from '../lib/kafka/publisher';

/** Most events in one request. */
export const MAX_EVENTS_PER_REQUEST = 500;
/** Most payload entries in one event. */
const MAX_PAYLOAD_ENTRIES = 32;
/** Payload field each event type needs. */
const REQUIRED_PAYLOAD: Partial<Record<UserEvent['type'], string>> = { page_view: 'path', search: 'query' };

const fields = userEvents.schema.shape;

export const eventInput = z
  .strictObject({
    type: fields.type,
    user_id: fields.user_id.optional(),
    session_id: fields.session_id,
    payload: fields.payload.refine((p) => Object.keys(p).length <= MAX_PAYLOAD_ENTRIES, `At most ${MAX_PAYLOAD_ENTRIES} entries`),
  })
  .superRefine((event, ctx) => {
    const needed = REQUIRED_PAYLOAD[event.type];
    if (needed && !event.payload[needed]) {
      ctx.addIssue({ code: 'custom', path: ['payload', needed], message: `A ${event.type} event needs payload.${needed}` });
    }
  });

const eventBatch = z.array(eventInput).min(1, 'Send at least one event').max(MAX_EVENTS_PER_REQUEST, `At most ${MAX_EVENTS_PER_REQUEST} events per request`);

/** 500 events of a few hundred bytes each fit; Kafka's default 1 MB request limit stays far away. */
const MAX_BODY_BYTES = 512 * 1024;

/** What the handler validates below, for the OpenAPI document. */
const docs = {
  body: z.union([eventInput, eventBatch]),
  responses: { 204: { description: 'Every event is in Kafka.' } },
};

export const handler = httpApi({ body: z.unknown(), maxBodyBytes: MAX_BODY_BYTES, docs }, async ({ body, caller }) => {
  const batch = Array.isArray(body);
  if (batch && body.length > MAX_EVENTS_PER_REQUEST) {
    // Refused before validating 501+ events one by one.
    throw new HttpProblem(400, 'Invalid request body', `At most ${MAX_EVENTS_PER_REQUEST} events per request (got ${body.length})`, [
      { field: '', message: `At most ${MAX_EVENTS_PER_REQUEST} events per request` },
    ]);
  }
  const parsed = batch ? eventBatch.safeParse(body) : eventInput.safeParse(body);
  if (!parsed.success) throw validationProblem(parsed.error);
  const inputs = Array.isArray(parsed.data) ? parsed.data : [parsed.data];

  const foreign = inputs.flatMap((e, i) => (e.user_id !== undefined && e.user_id !== caller.id ? [i] : []));
  if (foreign.length > 0) {
    throw new HttpProblem(
      400,
      'Invalid request body',
      'user_id must be the authenticated caller (or be left out)',
      foreign.slice(0, 20).map((i) => ({ field: batch ? `${i}.user_id` : 'user_id', message: "Must be the caller's own id" })),
    );
  }

  const timestamp = new Date().toISOString();
  const values: UserEvent[] = inputs.map((e) => ({ type: e.type, user_id: caller.id, session_id: e.session_id, payload: e.payload, timestamp }));
  await publishAll(userEvents, values, undefined, { source: 'events-api', time: timestamp });
  return { statusCode: 204 };
});
