/**
 * Event ids derived from other event ids, so that re-publishing after a redelivery produces the
 * same id and every consumer's idempotency (keyed by `ce_id`) drops the repeat.
 *
 * The id is a name-based UUID (RFC 9562 version 5: SHA-1 of a fixed namespace and the name
 * `<input event id>:<step>`): stable across processes and deploys, distinct per step.
 *
 * @example
 * await publish(videoTranscoded, value, { eventId: derivedEventId(record.eventId, 'transcode') });
 */
import { createHash } from 'node:crypto';

/** Namespace of this system's derived event ids (a random UUID, fixed forever). */
const EVENT_ID_NAMESPACE = '6f0d3c8e-4b7a-4e47-9a53-2d1f0b8c7a19';

/** The UUIDv5 of `name` in `namespace`. */
function uuidV5(name: string, namespace: string = EVENT_ID_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  if (ns.length !== 16) throw new Error(`Namespace must be a UUID, got "${namespace}"`);
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x50; // version 5
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80; // RFC 4122 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The id of the event that `step` publishes in reaction to event `inputEventId`. */
export function derivedEventId(inputEventId: string, step: string): string {
  return uuidV5(`${inputEventId}:${step}`);
}
