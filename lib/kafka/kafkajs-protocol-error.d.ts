/** kafkajs's table of Kafka protocol error codes (a module of kafkajs that its typings leave out). */
declare module 'kafkajs/src/protocol/error' {
  export const errorCodes: { type: string; code: number; retriable: boolean; message: string }[];
  /** The error kafkajs raises for an error code in a broker's response. */
  export function createErrorFromCode(code: number): import('kafkajs').KafkaJSProtocolError;
}
