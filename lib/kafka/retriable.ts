/**
 * The one place that decides whether a Kafka failure is worth retrying. Two questions, both
 * answered from what kafkajs puts on its errors (class, `retriable`, `code`), never message text:
 * - {@link isRetriable}: may the same client succeed on a later attempt? kafkajs's `retriable`
 *   flag (a `KafkaJSProtocolError` takes it from Kafka's error table by its `type`/`code`).
 * - {@link isConnectionFailure}: may a fresh connection succeed where this one failed (a socket
 *   that died while the container was frozen)?
 *
 * @example
 * try {
 *   await admin.fetchOffsets({ groupId: CONSUMER_GROUP.inventory, topics: ['order.placed'] });
 * } catch (error) {
 *   if (!isRetriable(error)) throw error;   // GROUP_LOAD_IN_PROGRESS is; TOPIC_AUTHORIZATION_FAILED is not
 * }
 */
import { TimeoutError } from '../timeout';
import { kafkajs } from './kafkajs';

/** Socket errors of Node itself (`error.code`), should one reach us unwrapped by kafkajs. */
const SOCKET_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

/** Whether the same client may succeed on a later attempt, as kafkajs marks it. Errors kafkajs did not raise are not. */
export function isRetriable(error: unknown): boolean {
  return error instanceof kafkajs().KafkaJSError && error.retriable;
}

/**
 * Whether a fresh connection may succeed where this one failed: the connection broke or a request
 * timed out (kafkajs's, or our own {@link TimeoutError}), or kafkajs retried a retriable error
 * until it gave up (`KafkaJSNumberOfRetriesExceeded`). Looks through `cause`.
 */
export function isConnectionFailure(error: unknown): boolean {
  const { KafkaJSConnectionError, KafkaJSRequestTimeoutError, KafkaJSNumberOfRetriesExceeded } = kafkajs();
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    if (
      current instanceof KafkaJSConnectionError ||
      current instanceof KafkaJSRequestTimeoutError ||
      current instanceof KafkaJSNumberOfRetriesExceeded ||
      current instanceof TimeoutError
    ) {
      return true;
    }
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && SOCKET_ERROR_CODES.has(code)) return true;
  }
  return false;
}
