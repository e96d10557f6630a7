/** The one Kafka error classification, on the errors kafkajs itself raises. */
import {
  KafkaJSConnectionError,
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
  KafkaJSSASLAuthenticationError,
} from 'kafkajs';
import { createErrorFromCode, errorCodes } from 'kafkajs/src/protocol/error';
import { isConnectionFailure, isRetriable } from '../../lib/kafka/retriable';
import { TimeoutError } from '../../lib/timeout';

/** The error kafkajs raises when a broker answers with `type` (looked up by its code, as kafkajs does). */
function protocolError(type: string): KafkaJSProtocolError {
  const entry = errorCodes.find((e) => e.type === type);
  if (!entry) throw new Error(`no Kafka error ${type}`);
  return createErrorFromCode(entry.code);
}

// kafkajs's typings lag its constructors: these take a message, and a `cause` as kafkajs's retrier passes it.
const SaslError = KafkaJSSASLAuthenticationError as unknown as new (message: string) => KafkaJSError;
const NonRetriableError = KafkaJSNonRetriableError as unknown as new (e: Error, options: { cause: unknown }) => KafkaJSError;

const refused = () => new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092', { broker: '127.0.0.1:9092', code: 'ECONNREFUSED' });

describe('isRetriable: what kafkajs marks retriable', () => {
  it.each<[string, unknown, boolean]>([
    ['a coordinator still loading (GROUP_LOAD_IN_PROGRESS)', protocolError('GROUP_LOAD_IN_PROGRESS'), true],
    ['a coordinator that moved (NOT_COORDINATOR_FOR_GROUP)', protocolError('NOT_COORDINATOR_FOR_GROUP'), true],
    ['a rebalance (REBALANCE_IN_PROGRESS: kafkajs re-joins the group instead)', protocolError('REBALANCE_IN_PROGRESS'), false],
    ['a missing permission (TOPIC_AUTHORIZATION_FAILED)', protocolError('TOPIC_AUTHORIZATION_FAILED'), false],
    ['a record too large (MESSAGE_TOO_LARGE)', protocolError('MESSAGE_TOO_LARGE'), false],
    ['a refused connection', refused(), true],
    ['a request timeout', new KafkaJSRequestTimeoutError('Request Produce(key: 0, version: 7) timed out'), true],
    ['retries kafkajs gave up on', new KafkaJSNumberOfRetriesExceeded(refused(), { retryCount: 2, retryTime: 100 }), false],
    ['a failed SASL authentication', new SaslError('SASL OAUTHBEARER authentication failed'), false],
    ['a plain KafkaJSError (retriable unless said otherwise)', new KafkaJSError('something transient'), true],
    ['a plain Error that claims to be retriable', Object.assign(new Error('x'), { retriable: true }), false],
    ['a thrown string', 'GROUP_LOAD_IN_PROGRESS', false],
    ['undefined', undefined, false],
  ])('%s', (_, error, expected) => {
    expect(isRetriable(error)).toBe(expected);
  });

  it('takes a protocol error’s flag from Kafka’s error table, by its code', () => {
    const error = protocolError('GROUP_LOAD_IN_PROGRESS');
    expect(error).toBeInstanceOf(KafkaJSProtocolError);
    expect(error).toMatchObject({ type: 'GROUP_LOAD_IN_PROGRESS', code: 14, retriable: true });
  });
});

describe('isConnectionFailure: when a fresh connection may succeed', () => {
  it.each<[string, unknown, boolean]>([
    ['a refused connection', refused(), true],
    ['a closed connection (a socket that died while the container was frozen)', new KafkaJSConnectionError('Closed connection'), true],
    ['a request timeout', new KafkaJSRequestTimeoutError('Request Produce(key: 0, version: 7) timed out'), true],
    ['retries kafkajs gave up on', new KafkaJSNumberOfRetriesExceeded(protocolError('NOT_LEADER_FOR_PARTITION'), { retryCount: 2, retryTime: 100 }), true],
    ['our own send budget running out', new TimeoutError('no acknowledgement within 6000 ms', 6000), true],
    ['a Node socket error kafkajs did not wrap', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }), true],
    ['a connection failure given as the cause', new NonRetriableError(new Error('send failed'), { cause: refused() }), true],
    ['a retriable broker state (the same connection retries it)', protocolError('GROUP_LOAD_IN_PROGRESS'), false],
    ['a missing permission', protocolError('TOPIC_AUTHORIZATION_FAILED'), false],
    ['a failed SASL authentication', new SaslError('SASL OAUTHBEARER authentication failed'), false],
    // Message text is not read: only the error's class and code say what happened.
    ['a plain Error whose message mentions a connection', new Error('Connection refused by the schema check'), false],
    ['a thrown string', 'ECONNRESET', false],
  ])('%s', (_, error, expected) => {
    expect(isConnectionFailure(error)).toBe(expected);
  });
});
