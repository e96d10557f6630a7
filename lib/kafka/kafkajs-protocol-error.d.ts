/** kafkajs's table of Kafka protocol error codes (a module of kafkajs that its typings leave out). */
declare module 'kafkajs/src/protocol/error' {
  export const errorCodes: { type: string; code: number; retriable: boolean; message: string }[];
}
