/**
 * kafkajs's error classes on their own (the module kafkajs's index re-exports them from), so the
 * classifier in ./errors.ts pulls in no client: HTTP functions import it for their 503.
 */
declare module 'kafkajs/src/errors' {
  export { KafkaJSConnectionError, KafkaJSError, KafkaJSNumberOfRetriesExceeded, KafkaJSRequestTimeoutError } from 'kafkajs';
}
