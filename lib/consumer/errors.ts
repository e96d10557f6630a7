/**
 * Error classes a handler throws to tell the runtime what to do with a record, and the rule for
 * everything else.
 *
 * - {@link RetryableError}: transient; retried in-process, then reported as a batch item failure.
 * - {@link NonRetryableError}: the record can never succeed; it goes to `<group>.dlq` at once.
 * - Anything else (a plain Error, ioredis or kafkajs connection errors) is RETRYABLE: an
 *   infrastructure fault such as Redis being down must never dead-letter a good record.
 *
 * @example
 * if (!product) throw new NonRetryableError(`unknown product ${id}`);
 * if (response.status === 503) throw new RetryableError('inventory store busy');
 */

/** Transient failure: retry the record (in-process with backoff, then via the event source mapping). */
export class RetryableError extends Error {
  override name = 'RetryableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Permanent failure: the record goes straight to the group's dead-letter topic. */
export class NonRetryableError extends Error {
  override name = 'NonRetryableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The record's bytes cannot be read (bad base64, bad UTF-8, not JSON, a tombstone). */
export class UndecodableRecordError extends NonRetryableError {
  override name = 'UndecodableRecordError';
}

/** The record's value does not match its topic's schema in the event catalog. */
export class SchemaViolationError extends NonRetryableError {
  override name = 'SchemaViolationError';
}

/** Another invocation holds the record's in-progress lease. */
export class InProgressElsewhereError extends RetryableError {
  override name = 'InProgressElsewhereError';
}

/** Whether the runtime should dead-letter (`false`) or retry (`true`) after `error`. */
export function isRetryable(error: unknown): boolean {
  return !(error instanceof NonRetryableError);
}

/** A thrown value as an Error (handlers may throw strings). */
export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
