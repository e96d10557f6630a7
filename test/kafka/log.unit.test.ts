/** kafkajs's lines: what kafkajs retries by itself at DEBUG, real failures at their level, once. */
import { type LogEntry, logLevel } from 'kafkajs';
import { type KafkaLogLevel, kafkajsLogging, levelOf } from '../../lib/kafka/log';

const entry = (level: logLevel, namespace: string, message: string, extra: Record<string, unknown> = {}): LogEntry => ({
  namespace,
  level,
  label: logLevel[level],
  log: { timestamp: '2026-12-01T00:00:00.000Z', logger: 'kafkajs', message, ...extra },
});

describe('levelOf', () => {
  it.each<[string, LogEntry, KafkaLogLevel]>([
    [
      // The line of the issue: the first checkout on a fresh broker.
      'an error response kafkajs retries (coordinator loading)',
      entry(logLevel.ERROR, 'Connection', 'Response InitProducerId(key: 22, version: 1)', {
        broker: '127.0.0.1:9092',
        error: "The coordinator is loading and hence can't process requests for this group",
      }),
      'debug',
    ],
    ['a connection error thrown to the caller', entry(logLevel.ERROR, 'Connection', 'Connection error: connect ECONNREFUSED 127.0.0.1:9092'), 'debug'],
    [
      'one attempt of a send',
      entry(logLevel.ERROR, 'Producer', 'Failed to send messages: This server does not host this topic-partition', { retryCount: 0 }),
      'debug',
    ],
    ['any line inside the retrier', entry(logLevel.ERROR, 'BrokerPool', 'something odd', { retryCount: 2, retryTime: 400 }), 'debug'],
    ['a rebalance', entry(logLevel.WARN, 'Runner', 'The group is rebalancing, re-joining', { groupId: 'g' }), 'debug'],
    [
      'the bounded idempotent retries we chose',
      entry(logLevel.WARN, 'Producer', 'Limiting retries for the idempotent producer may invalidate EoS guarantees'),
      'debug',
    ],
    [
      'a consumer crash kafkajs restarts from (retriable broker state)',
      entry(logLevel.ERROR, 'Consumer', "Crash: KafkaJSProtocolError: The coordinator is loading and hence can't process requests for this group", {
        groupId: 'g',
      }),
      'debug',
    ],
    ['kafkajs INFO chatter', entry(logLevel.INFO, 'ConsumerGroup', 'Consumer has joined the group'), 'debug'],
    [
      'a consumer crash after its retries',
      entry(logLevel.ERROR, 'Consumer', 'Crash: KafkaJSNumberOfRetriesExceeded: Connection error', { retryCount: 10 }),
      'error',
    ],
    ['a non-retriable crash', entry(logLevel.ERROR, 'Consumer', 'Crash: KafkaJSProtocolError: Not authorized to access group'), 'error'],
    ['an error nobody else reports', entry(logLevel.ERROR, 'Consumer', 'Caught error when disconnecting the consumer: socket hang up'), 'error'],
    ['an unknown warning', entry(logLevel.WARN, 'Admin', 'Could not create topics'), 'warn'],
  ])('%s → %s', (_case, line, level) => {
    expect(levelOf(line)).toBe(level);
  });
});

describe('kafkajsLogging', () => {
  function recording(debugEnabled: boolean) {
    const lines: { level: KafkaLogLevel; message: string; attributes: Record<string, unknown> }[] = [];
    const logging = kafkajsLogging({ debugEnabled, write: (level, message, attributes) => lines.push({ level, message, attributes }) });
    const log = logging.logCreator?.(logging.logLevel ?? logLevel.NOTHING) as (entry: LogEntry) => void;
    return { lines, log, logging };
  }

  it('asks kafkajs for WARN and above, and for INFO only when DEBUG is shown', () => {
    expect(recording(false).logging.logLevel).toBe(logLevel.WARN);
    expect(recording(true).logging.logLevel).toBe(logLevel.INFO);
  });

  it('drops retried states unless DEBUG is shown', () => {
    const { lines, log } = recording(false);
    log(entry(logLevel.ERROR, 'Connection', 'Response InitProducerId(key: 22, version: 1)', { error: 'The coordinator is loading' }));
    expect(lines).toEqual([]);
  });

  it('writes a real failure once, with its namespace and details but without the stack', () => {
    const { lines, log } = recording(false);
    log(entry(logLevel.ERROR, 'Consumer', 'Crash: KafkaJSNonRetriableError: boom', { groupId: 'g', stack: 'Error: boom\n    at x' }));
    expect(lines).toEqual([{ level: 'error', message: '[Consumer] Crash: KafkaJSNonRetriableError: boom', attributes: { logger: 'kafkajs', groupId: 'g' } }]);
  });

  it('keeps the stack on DEBUG lines', () => {
    const { lines, log } = recording(true);
    log(entry(logLevel.ERROR, 'Connection', 'Connection error: ECONNRESET', { stack: 'Error: ECONNRESET' }));
    expect(lines).toEqual([
      { level: 'debug', message: '[Connection] Connection error: ECONNRESET', attributes: { logger: 'kafkajs', stack: 'Error: ECONNRESET' } },
    ]);
  });
});
