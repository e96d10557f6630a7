/** Pure parts of decoding a Lambda Kafka event. */
import { parsePartitionKey } from '../../lib/consumer/decode';

describe('partition keys', () => {
  it.each([
    ['order.placed-3', 'order.placed', 3],
    ['my-topic.v2-beta-11', 'my-topic.v2-beta', 11],
    ['a-0', 'a', 0],
  ])('%s splits on the last dash', (id, topic, partition) => {
    expect(parsePartitionKey(id)).toEqual({ topic, partition });
  });

  it.each(['nodash', 'topic-', 'topic-x', '-3'])('%s is rejected', (id) => {
    expect(() => parsePartitionKey(id)).toThrow(/not "<topic>-<partition>"/);
  });
});
