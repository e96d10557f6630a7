/** The local plugins' lines: DEBUG only with LOG_LEVEL=DEBUG; kafkajs's lines one line each. */
import { kafkaLogOf, pluginLog } from '../../lib/local/plugin-log';

function framework() {
  const printed: string[] = [];
  return {
    printed,
    log: {
      notice: (t: string) => printed.push(`notice ${t}`),
      warning: (t: string) => printed.push(`warning ${t}`),
      error: (t: string) => printed.push(`error ${t}`),
    },
  };
}

it('prints DEBUG lines only when LOG_LEVEL=DEBUG', () => {
  const quiet = framework();
  pluginLog('[p]', quiet.log, { LOG_LEVEL: 'INFO' }).debug('lag 0');
  expect(quiet.printed).toEqual([]);
  const verbose = framework();
  pluginLog('[p]', verbose.log, { LOG_LEVEL: 'debug' }).debug('lag 0');
  expect(verbose.printed).toEqual(['notice [p] lag 0']);
});

it('sends each level to the framework log of that level', () => {
  const { printed, log } = framework();
  const out = pluginLog('[p]', log, {});
  out.info('a');
  out.warn('b');
  out.error('c');
  expect(printed).toEqual(['notice [p] a', 'warning [p] b', 'error [p] c']);
});

it('writes a kafkajs line with its details on one line, without undefined ones', () => {
  const { printed, log } = framework();
  kafkaLogOf(pluginLog('[offline-kafka]', log, {})).write('error', '[Consumer] Crash: KafkaJSNonRetriableError: boom', {
    logger: 'kafkajs',
    clientId: 'offline-kafka',
    groupId: 'g',
    retryCount: undefined,
    partitions: [0, 1],
  });
  expect(printed).toEqual(['error [offline-kafka] kafkajs [Consumer] Crash: KafkaJSNonRetriableError: boom (groupId: g, partitions: [0,1])']);
});
