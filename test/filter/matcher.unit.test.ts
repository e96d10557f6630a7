/**
 * The examples of Lambda's Kafka filtering page (kafka-filtering.html) and the rules the local
 * emulation adds on top of event-ruler's syntax; the differential test covers the operators at scale.
 */
import { kafkaRecordFilter } from '../../lib/local/filter/kafka-record';
import { FilterPatternError } from '../../lib/local/filter/rule';

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('Kafka record filter', () => {
  it('filters a JSON value on its fields (the docs: device_ID begins with AB)', () => {
    const filter = kafkaRecordFilter(['{ "value" : { "device_ID" : [ { "prefix": "AB" } ] } }']);
    expect(filter.matches(bytes('{"device_ID":"AB1234","session":{"start_time":"x","duration":162}}'))).toBe(true);
    expect(filter.matches(bytes('{"device_ID":"CD1234"}'))).toBe(false);
    // A plain string has no fields: a field pattern never matches it.
    expect(filter.matches(bytes('AB1234'))).toBe(false);
  });

  it('filters a plain-string value as a string (the docs: ignore messages that are "error")', () => {
    const filter = kafkaRecordFilter(['{ "value" : [ { "anything-but": [ "error" ] } ] }']);
    expect(filter.matches(bytes('error'))).toBe(false);
    expect(filter.matches(bytes('all good'))).toBe(true);
    // A JSON object is not a leaf value: a pattern on the whole value never matches it.
    expect(filter.matches(bytes('{"a":1}'))).toBe(false);
  });

  it('ORs the filters of a mapping', () => {
    const filter = kafkaRecordFilter(['{"value":{"type":["page_view"]}}', '{"value":{"type":["search"]}}']);
    expect([filter.matches(bytes('{"type":"page_view"}')), filter.matches(bytes('{"type":"search"}')), filter.matches(bytes('{"type":"click"}'))]).toEqual([
      true,
      true,
      false,
    ]);
  });

  it('matches a record without a value only on exists: false', () => {
    expect(kafkaRecordFilter(['{"value":[{"exists":false}]}']).matches(null)).toBe(true);
    expect(kafkaRecordFilter(['{"value":{"type":["click"]}}']).matches(null)).toBe(false);
  });

  it('keeps array elements consistent: two fields must come from the same element', () => {
    const filter = kafkaRecordFilter(['{"value":{"items":{"sku":["a"],"qty":[2]}}}']);
    expect(filter.matches(bytes('{"items":[{"sku":"a","qty":1},{"sku":"b","qty":2}]}'))).toBe(false);
    expect(filter.matches(bytes('{"items":[{"sku":"b","qty":1},{"sku":"a","qty":2.0}]}'))).toBe(true);
  });

  it.each([
    ['a field other than value', '{"key":["x"]}', /only support filtering on the value key/],
    ['a value that is not an array or object', '{"value":{"type":"click"}}', /must be an object or an array/],
    ['an unknown operator', '{"value":[{"regex":"a.*"}]}', /Unrecognized match type regex/],
    ['an empty numeric range', '{"value":{"n":[{"numeric":[">",5,"<",5]}]}}', /Bottom must be less than top/],
    ['mixed anything-but types', '{"value":[{"anything-but":["a",1]}]}', /either all values are numbers or all are strings/],
    ['consecutive wildcards', '{"value":[{"wildcard":"a**"}]}', /Consecutive wildcard/],
    ['cidr, which the emulation lacks', '{"value":{"ip":[{"cidr":"10.0.0.0/24"}]}}', /cidr .* not supported/],
    ['text that is not JSON', '{"value":', /not JSON/],
  ])('refuses %s, naming the filter', (_, pattern, reason) => {
    expect(() => kafkaRecordFilter(['{"value":["ok"]}', pattern])).toThrow(FilterPatternError);
    expect(() => kafkaRecordFilter(['{"value":["ok"]}', pattern])).toThrow(reason);
    expect(() => kafkaRecordFilter(['{"value":["ok"]}', pattern])).toThrow(/^filter 2 /);
  });
});
