/**
 * kafkajs, loaded when first needed instead of when a function's bundle starts. Most consumer
 * containers never publish (only a dead letter does), and kafkajs is ~270 KB of every bundle and
 * a good part of its init (bench/cold-start.ts): a static import would run all of it at every cold
 * start. esbuild still bundles it; the module body runs on the first call.
 *
 * @example
 * const { Kafka } = kafkajs();
 */
let loaded: typeof import('kafkajs') | undefined;

export function kafkajs(): typeof import('kafkajs') {
  loaded ??= require('kafkajs') as typeof import('kafkajs');
  return loaded;
}
