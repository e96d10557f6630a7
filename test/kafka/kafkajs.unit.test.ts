/**
 * lib/kafka/kafkajs.ts: a consumer function's module loads without running kafkajs (a cold start
 * pays for it only when the container first publishes, e.g. a dead letter), and the first call
 * loads it.
 */
let mockKafkajsLoads = 0;
jest.mock('kafkajs', () => {
  mockKafkajsLoads++;
  return jest.requireActual('kafkajs');
});

test('importing a consumer function does not load kafkajs; the first kafkajs() call does', () => {
  jest.isolateModules(() => {
    const inventory = require('../../functions/inventory') as { handler: unknown };
    expect(typeof inventory.handler).toBe('function');
    expect(mockKafkajsLoads).toBe(0);
    const { kafkajs } = require('../../lib/kafka/kafkajs') as typeof import('../../lib/kafka/kafkajs');
    expect(typeof kafkajs().Kafka).toBe('function');
    expect(mockKafkajsLoads).toBe(1);
  });
});
