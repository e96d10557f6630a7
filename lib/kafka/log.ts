/**
 * kafkajs's own logs, routed to our logger instead of kafkajs's console JSON.
 *
 * kafkajs logs an ERROR for every failed attempt of a request it retries by itself ("The
 * coordinator is loading", a rebalance, a broker still starting) and throws to the caller only once
 * it gives up. Those per-attempt lines are logged at DEBUG: the caller reports the final failure
 * once (a 503 from lib/http/api.ts, a redelivered batch in lib/consumer, a line of the local
 * trigger); so is a consumer crash on such a state, after which kafkajs restarts the consumer.
 * What kafkajs throws to nobody — any other consumer crash, a failed disconnect — keeps its level,
 * as one line without the stack (the stack is at DEBUG). kafkajs's INFO chatter (joins, starts,
 * stops) is DEBUG too.
 */
import type { KafkaConfig, LogEntry, logCreator } from 'kafkajs';
import { errorCodes } from 'kafkajs/src/protocol/error';
import { kafkajs } from './kafkajs';

export type KafkaLogLevel = 'debug' | 'warn' | 'error';

/** Where the routed lines go: the Powertools Logger in functions, the plugin's log locally. */
export interface KafkaLogSink {
  /** Whether DEBUG lines are wanted (kafkajs is then asked for its INFO lines too). */
  readonly debugEnabled: boolean;
  write(level: KafkaLogLevel, message: string, attributes: Record<string, unknown>): void;
}

/** Lines of states kafkajs retries by itself, or of settings this project chose on purpose. */
const TRANSIENT: RegExp[] = [
  // [Connection] an error response or a broken socket: the request is retried, or its error thrown.
  /^Response /,
  /^Connection (error|timeout)/,
  /^Failed to connect to (seed )?broker/,
  // [Producer] one attempt of a send; the last one's error reaches lib/kafka/publisher.ts.
  /^Failed to send messages/,
  // [Consumer] group membership churn that kafkajs resolves by re-joining.
  /The group is rebalancing/,
  /re-joining the group/,
  /resync group/,
  /not aware of all assigned partitions/,
  /^Restarting the consumer/,
  /^Response without match/,
  // Sends have a time budget (lib/kafka/publisher.ts), so the idempotent producer's retries are bounded.
  /^Limiting retries for the idempotent producer/,
];

/** Broker states Kafka marks retriable ("The coordinator is loading ..."), from kafkajs's own table. */
const RETRIABLE_STATES = new Set(errorCodes.filter((error) => error.retriable).map((error) => error.message));

/**
 * A consumer crash kafkajs recovers from by itself: it restarts the consumer when the cause is a
 * retriable broker state, as on a fresh broker whose group coordinator is still loading.
 */
function isRestartedCrash(message: string): boolean {
  const match = /^Crash: KafkaJSProtocolError: (.*)$/.exec(message);
  return match !== null && RETRIABLE_STATES.has(match[1] as string);
}

/** The level a kafkajs line is logged at here. */
export function levelOf(entry: Pick<LogEntry, 'level'> & { log: { message: string; retryCount?: unknown } }): KafkaLogLevel {
  const { logLevel } = kafkajs();
  if (entry.level !== logLevel.ERROR && entry.level !== logLevel.WARN) return 'debug';
  const { message } = entry.log;
  // Inside kafkajs's retrier (retryCount set), except the crash that ends a consumer's run.
  const retrying = typeof entry.log.retryCount === 'number' && !message.startsWith('Crash');
  if (retrying || isRestartedCrash(message) || TRANSIENT.some((pattern) => pattern.test(message))) return 'debug';
  return entry.level === logLevel.ERROR ? 'error' : 'warn';
}

/**
 * The `logLevel` and `logCreator` of a kafkajs client logging to `sink`: each line at the level
 * {@link levelOf} decides; kafkajs's INFO lines are asked for only when DEBUG is shown.
 */
export function kafkajsLogging(sink: KafkaLogSink): Pick<KafkaConfig, 'logLevel' | 'logCreator'> {
  const { logLevel } = kafkajs();
  return { logLevel: sink.debugEnabled ? logLevel.INFO : logLevel.WARN, logCreator: creator(sink) };
}

function creator(sink: KafkaLogSink): logCreator {
  return () => (entry) => {
    const level = levelOf(entry);
    if (level === 'debug' && !sink.debugEnabled) return;
    const { message, timestamp: _timestamp, logger: _logger, stack, ...details } = entry.log as LogEntry['log'] & { stack?: unknown };
    sink.write(level, `[${entry.namespace}] ${message}`, { logger: 'kafkajs', ...details, ...(level === 'debug' && stack ? { stack } : {}) });
  };
}
