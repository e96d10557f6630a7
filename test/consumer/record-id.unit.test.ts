/**
 * The fallback event id of records without `ce_id` (lib/consumer/record-id.ts), through the
 * decoder: the same for every redelivery of a record, different for a record of another
 * incarnation of the topic at the same offset.
 */
import { decodeRecord } from '../../lib/consumer/decode';
import { CONTENT_DIGEST_LENGTH, contentDigest, fallbackEventId, legacyFallbackEventId } from '../../lib/consumer/record-id';
import type { RawKafkaRecord } from '../../lib/kafka/lambda-event';
import { b64, bytes } from './support';

const batch = { id: 'user.events-2', topic: 'user.events', partition: 2 };

/** A headerless record as Lambda delivers it. */
function headerless(overrides: Partial<RawKafkaRecord> = {}): RawKafkaRecord {
  return {
    topic: 'user.events',
    partition: 2,
    offset: 42,
    timestamp: 1_764_620_000_000,
    timestampType: 'CREATE_TIME',
    key: b64('session-1'),
    value: b64('{"type":"page_view","session_id":"session-1","payload":{"path":"/"}}'),
    headers: [],
    ...overrides,
  };
}

const idOf = (raw: RawKafkaRecord) => decodeRecord(batch, raw).eventId;

describe('fallback event id', () => {
  it('is coordinates, timestamp and a 128-bit digest of key and value, identical for a redelivery', () => {
    const id = idOf(headerless());
    expect(id).toMatch(new RegExp(`^user\\.events-2-42@1764620000000#[A-Za-z0-9_-]{${CONTENT_DIGEST_LENGTH}}$`));
    expect(idOf(structuredClone(headerless()))).toBe(id);
  });

  it.each([
    ['another timestamp (the same offset in a re-created topic)', { timestamp: 1_764_620_000_001 }],
    ['another value', { value: b64('{"type":"page_view","session_id":"session-1","payload":{"path":"/x"}}') }],
    ['another key', { key: b64('session-2') }],
    ['a null key', { key: null }],
    ['an empty key', { key: '' }],
    ['another offset', { offset: 43 }],
    ['another partition', { partition: 3 }],
  ])('differs with %s', (_, overrides) => {
    expect(idOf(headerless(overrides))).not.toBe(idOf(headerless()));
  });

  it('is pinned: markers outlive deploys, so a changed digest or format would re-apply records redelivered across the deploy', () => {
    const digest = contentDigest(Buffer.from('s-1'), Buffer.from('{"type":"page_view"}'));
    expect(fallbackEventId({ topic: 'user.events', partition: 0, offset: 42, timestamp: 1_764_620_000_000 }, digest)).toBe(
      'user.events-0-42@1764620000000#ULqUfOfpgKCHiPHDxsvNG1',
    );
  });

  it('never takes the old form, so markers of an earlier incarnation cannot match it', () => {
    const record = decodeRecord(batch, headerless());
    expect(record.eventId).not.toBe('user.events-2-42');
    expect(record.legacyEventId).toBe('user.events-2-42');
  });

  it('keeps null, empty and moved bytes apart in the digest', () => {
    const empty = Buffer.alloc(0);
    const digests = [
      contentDigest(null, null),
      contentDigest(empty, null),
      contentDigest(null, empty),
      contentDigest(empty, empty),
      contentDigest(Buffer.from('ab'), Buffer.from('c')),
      contentDigest(Buffer.from('a'), Buffer.from('bc')),
    ];
    expect(new Set(digests).size).toBe(digests.length);
  });

  it('is not used when the record has a ce_id; an empty ce_id counts as none', () => {
    const withId = decodeRecord(batch, headerless({ headers: [{ ce_id: bytes('evt-1') }] }));
    expect(withId.eventId).toBe('evt-1');
    expect(withId.legacyEventId).toBeUndefined();
    const emptyId = decodeRecord(batch, headerless({ headers: [{ ce_id: [] }] }));
    expect(emptyId.eventId).toBe(idOf(headerless()));
  });

  it('the record digest is the one in its id, and the same whether or not the id is a fallback', () => {
    const record = decodeRecord(batch, headerless());
    expect(record.eventId.endsWith(`#${record.contentDigest}`)).toBe(true);
    expect(decodeRecord(batch, headerless({ headers: [{ ce_id: bytes('evt-1') }] })).contentDigest).toBe(record.contentDigest);
    expect(fallbackEventId({ topic: 'user.events', partition: 2, offset: 42, timestamp: 1_764_620_000_000 }, record.contentDigest)).toBe(record.eventId);
    expect(legacyFallbackEventId({ topic: 'user.events', partition: 2, offset: 42 })).toBe('user.events-2-42');
  });
});
