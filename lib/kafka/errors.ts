/**
 * Errors of the Kafka layer that other layers react to (kept apart so importing them pulls in no
 * client). Whether a Kafka failure is worth retrying is decided in ./retriable.ts.
 */

/** Kafka did not acknowledge the write: nothing can be promised to the caller (HTTP 503). */
export class KafkaUnavailableError extends Error {
  override name = 'KafkaUnavailableError';
}
