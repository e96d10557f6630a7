/** A mapping's FilterCriteria as the local triggers read and apply it. */
import type { KafkaMessage } from 'kafkajs';
import type { ServerlessService } from '../../lib/deploy/serverless-types';
import { readMappings } from '../../lib/local/offline-kafka/config';
import { FilteredBatch, mappingFilter } from '../../lib/local/offline-kafka/filtering';

// osls's own naming helpers: logical ids are computed exactly as at deploy time.
const naming = require('serverless/lib/plugins/aws/lib/naming.js');

function service(msk: Record<string, unknown>, extensions: Record<string, { Properties: Record<string, unknown> }> = {}): ServerlessService {
  return {
    service: 'svc',
    provider: { stage: 'local', region: 'us-east-1', timeout: 10, environment: { KAFKA_BROKERS: '127.0.0.1:1111' } },
    resources: { extensions },
    getAllFunctions: () => ['pageViews'],
    getFunction: () => ({
      name: 'svc-local-pageViews',
      events: [{ msk: { arn: 'arn:aws:kafka:us-east-1:0:cluster/c/x', topic: 'user.events', consumerGroupId: 'g', ...msk } }],
    }),
  };
}

const message = (offset: number, value: string | null): KafkaMessage =>
  ({ offset: String(offset), value: value === null ? null : Buffer.from(value) }) as unknown as KafkaMessage;

describe('a mapping’s filters', () => {
  it('come from the msk event’s filterPatterns, serialised as osls puts them in the template', () => {
    const [mapping] = readMappings(service({ filterPatterns: [{ value: { type: ['page_view'] } }] }), naming, {});
    expect(mapping?.filterPatterns).toEqual(['{"value":{"type":["page_view"]}}']);
  });

  it('come from a FilterCriteria extension when there is one (it replaces the generated property)', () => {
    const logicalId = naming.getMSKEventLogicalId('pageViews', 'c', 'user.events');
    const [mapping] = readMappings(
      service(
        { filterPatterns: [{ value: { type: ['page_view'] } }] },
        { [logicalId]: { Properties: { FilterCriteria: { Filters: [{ Pattern: '{"value":{"type":["search"]}}' }] } } } },
      ),
      naming,
      {},
    );
    expect(mapping?.filterPatterns).toEqual(['{"value":{"type":["search"]}}']);
  });

  it('are none when the mapping has no filter: every record is delivered', () => {
    const [mapping] = readMappings(service({}), naming, {});
    expect(mapping?.filterPatterns).toEqual([]);
    expect(mappingFilter('pageViews [g]', [])).toBeUndefined();
  });

  it('refuse a pattern Lambda would refuse, naming the mapping', () => {
    expect(() => mappingFilter('pageViews [g]', ['{"key":["x"]}'])).toThrow(
      /^pageViews \[g\]: FilterCriteria refused: filter 1 .*only support filtering on the value key/,
    );
  });
});

describe('a fetched batch, filtered', () => {
  const filter = mappingFilter('pageViews [g]', ['{"value":{"type":["page_view"]}}']);
  const batch = () =>
    new FilteredBatch(filter, [
      message(10, '{"type":"click"}'),
      message(11, '{"type":"page_view"}'),
      message(12, 'not json'),
      message(13, '{"type":"page_view"}'),
      message(14, null),
      message(15, '{"type":"search"}'),
    ]);

  it('keeps the matching records, in offset order', () => {
    expect(batch().messages.map((m) => m.offset)).toEqual(['11', '13']);
    expect(batch().filteredOut).toBe(4);
  });

  it('counts each filtered-out record once, in the log line of the invocation that passes it', () => {
    const b = batch();
    expect(b.takeFilteredBelow(12)).toBe(1); // offset 10, before the invocation of 11
    expect(b.takeFilteredBelow(14)).toBe(1); // offset 12
    expect(b.takeFilteredBelow(14)).toBe(0);
  });

  it('commits the filtered-out tail after the last delivered record', () => {
    expect(batch().tailEnd(14)).toBe(16);
    expect(batch().tailEnd(16)).toBeUndefined();
    // Nothing delivered and nothing committed yet: the whole batch is committed.
    expect(new FilteredBatch(filter, [message(3, '{"type":"click"}')]).tailEnd(-1)).toBe(4);
  });

  it('keeps every record without a filter', () => {
    const all = new FilteredBatch(undefined, [message(1, 'x'), message(2, null)]);
    expect([all.messages.length, all.filteredOut, all.tailEnd(-1)]).toEqual([2, 0, undefined]);
  });
});
