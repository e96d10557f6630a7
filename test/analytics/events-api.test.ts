/**
 * POST /events against the real broker: what is accepted is on `user.events` as sent (keyed by
 * session, user from the token, timestamp from the server); what is refused names its field and
 * leaves every partition's end offset where it was.
 */
import { randomUUID } from 'node:crypto';
import { userEvents } from '../../events/catalog';
import { handler as postEvents } from '../../functions/events';
import { HEADER } from '../../lib/kafka/headers';
import { disconnectProducer } from '../../lib/kafka/publisher';
import { closeRedis } from '../../lib/stores/redis';
import { invokeHttp } from '../support/http';
import { endOffsets, readRecords, recordsSince } from '../support/kafka';

afterAll(async () => {
  await disconnectProducer();
  await closeRedis();
});

const view = (session_id: string, path = '/home') => ({ type: 'page_view', session_id, payload: { path } });

test('one event is published keyed by its session, with the caller as user and a server timestamp; 204', async () => {
  const session = `s-${randomUUID()}`;
  const before = await endOffsets(userEvents.name);
  const started = Date.now();
  const response = await invokeHttp(postEvents, { path: '/events', body: view(session, '/pricing'), subject: 'user-42' });
  expect(response.status).toBe(204);
  expect(response.json).toBeUndefined();

  const [record, ...others] = await readRecords(userEvents.name, before);
  expect(others).toHaveLength(0);
  expect(record?.message.key?.toString()).toBe(session);
  const value = JSON.parse(String(record?.message.value));
  expect(value).toMatchObject({ type: 'page_view', user_id: 'user-42', session_id: session, payload: { path: '/pricing' } });
  expect(Date.parse(value.timestamp)).toBeGreaterThanOrEqual(started - 1000);
  expect(String(record?.message.headers?.[HEADER.type])).toBe(userEvents.eventType);
});

test('an array of 500 events is accepted and published in full', async () => {
  const run = randomUUID().slice(0, 8);
  const before = await endOffsets(userEvents.name);
  const events = Array.from({ length: 500 }, (_, i) => view(`s-${run}-${i % 9}`, `/b-${run}/${i % 3}`));
  const response = await invokeHttp(postEvents, { path: '/events', body: events, subject: 'user-batch' });
  expect(response.status).toBe(204);
  expect(await recordsSince(userEvents.name, before)).toBe(500);
});

test('user_id may be sent when it is the caller', async () => {
  const response = await invokeHttp(postEvents, { path: '/events', body: { ...view('s-own'), user_id: 'me' }, subject: 'me' });
  expect(response.status).toBe(204);
});

const valid = (i: number) => ({ type: 'search', session_id: `s-bad-${i}`, payload: { query: 'lambda' } });

describe.each([
  ['a wrong type', { type: 'purchase', session_id: 's-1', payload: { path: '/' } }, ['type']],
  ['a missing session id', { type: 'page_view', payload: { path: '/' } }, ['session_id']],
  ['a non-string payload value', { type: 'click', session_id: 's-1', payload: { target: 'buy', count: 3 } }, ['payload.count']],
  ['a nested payload value', { type: 'click', session_id: 's-1', payload: { target: { id: 1 } } }, ['payload.target']],
  ['a page view without path', { type: 'page_view', session_id: 's-1', payload: {} }, ['payload.path']],
  ['a client-set timestamp', { ...view('s-1'), timestamp: '2020-01-01T00:00:00Z' }, ['timestamp']],
  ['someone else as user', { ...view('s-1'), user_id: 'someone-else' }, ['user_id']],
  ['the 4th event of a batch with a wrong type', [valid(0), valid(1), valid(2), { ...valid(3), type: 'purchase' }, valid(4)], ['3.type']],
  ['the 3rd event of a batch without session id', [valid(0), valid(1), { type: 'click', payload: {} }], ['2.session_id']],
  ['a batch event with a number in its payload', [valid(0), { ...valid(1), payload: { query: 'x', page: 2 } }], ['1.payload.page']],
  ['a batch event naming another user', [valid(0), { ...valid(1), user_id: 'someone-else' }], ['1.user_id']],
  ['501 events', Array.from({ length: 501 }, (_, i) => valid(i)), ['']],
  ['an empty batch', [], ['']],
  ['a body that is not an event', 'hello', ['']],
])('%s', (_name, body, fields) => {
  test('is refused with 400 naming the field, and nothing is published', async () => {
    const before = await endOffsets(userEvents.name);
    const response = await invokeHttp(postEvents, { path: '/events', body: body as object, subject: 'user-1' });
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe('application/problem+json');
    const errors = (response.json?.errors ?? []) as { field: string; message: string }[];
    expect(errors.map((e) => e.field)).toEqual(expect.arrayContaining(fields));
    expect(await endOffsets(userEvents.name)).toEqual(before);
  });
});

test('a request without a verified token is refused with 401 and publishes nothing', async () => {
  const before = await endOffsets(userEvents.name);
  const response = await invokeHttp(postEvents, { path: '/events', body: view('s-anon'), subject: null });
  expect(response.status).toBe(401);
  expect(await endOffsets(userEvents.name)).toEqual(before);
});
