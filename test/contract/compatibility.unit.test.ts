/**
 * The compatibility guard: a catalog schema change that would reject records written under the
 * committed contract (docs/asyncapi.json) fails here unless the topic's contractVersion is bumped
 * with a migration note. The checker itself is exercised on each kind of change, both ways.
 */
import { z } from 'zod';
import { orderPlaced, type TopicDefinition, topics } from '../../events/catalog';
import { asyncApiDocument } from '../../lib/contract/asyncapi';
import { breakingChanges } from '../../lib/contract/compatibility';
import { committedDocument } from '../../lib/contract/documents';
import { contractViolations } from '../../lib/contract/guard';
import { jsonSchemaOf } from '../../lib/contract/json-schema';
import { topicSpecs } from '../../lib/kafka/topics';

const changes = (before: z.ZodType, after: z.ZodType) => breakingChanges(jsonSchemaOf(before, 'draft-07'), jsonSchemaOf(after, 'draft-07'));

// Fixtures of their own, so that legitimate catalog changes do not move these tests.
const item = z.strictObject({ product_id: z.string().min(1).max(128), quantity: z.int().min(1).max(1000), price: z.number().min(0) });
const order = z.strictObject({ order_id: z.uuid(), customer_id: z.string().min(1).max(128), items: z.array(item).min(1).max(100), total: z.number().min(0) });
const user = z.strictObject({ type: z.enum(['page_view', 'click', 'search']), user_id: z.string() });
const video = z.strictObject({ video_id: z.uuid(), s3_key: z.string().min(1), size_bytes: z.int().min(1) });

function narrowedItems(max: number) {
  return order.extend({
    items: z
      .array(item.extend({ quantity: z.int().min(1).max(max) }))
      .min(1)
      .max(100),
  });
}

describe('compatibility guard against the committed contract', () => {
  it('finds no incompatible change in the catalog (docs/asyncapi.json)', () => {
    expect(contractViolations(JSON.parse(committedDocument('asyncapi') ?? '{}'), topics)).toEqual([]);
  });

  const withSchema = (topic: TopicDefinition, schema: z.ZodType, contract: Partial<TopicDefinition> = {}): TopicDefinition => ({
    ...topic,
    schema,
    ...contract,
  });
  const fixtureTopic = withSchema(orderPlaced, order, { contractVersion: 1, migrationNotes: {} });
  /** A committed contract holding the fixture topic at version 1. */
  const committed = asyncApiDocument({ topics: [fixtureTopic], publishers: {}, specs: topicSpecs({ replicationFactor: 1 }), version: '0.0.0' });
  const narrowed = narrowedItems(10);

  it('refuses a breaking change at the same contract version, naming the field', () => {
    const violations = contractViolations(committed, [withSchema(fixtureTopic, narrowed)]);
    expect(violations).toEqual([
      { topic: 'order.placed', problem: expect.stringMatching(/^items\[\]\.quantity: maximum lowered from 1000 to 10 .*bump contractVersion to 2/) },
    ]);
  });

  it('accepts it when the version is bumped with a migration note, and not without the note', () => {
    const note = { 2: 'quantity is capped at 10; older records with more are dead-lettered and redriven after a manual split.' };
    expect(contractViolations(committed, [withSchema(fixtureTopic, narrowed, { contractVersion: 2, migrationNotes: note })])).toEqual([]);
    expect(contractViolations(committed, [withSchema(fixtureTopic, narrowed, { contractVersion: 2 })])).toEqual([
      { topic: 'order.placed', problem: expect.stringContaining('needs migrationNotes[2]') },
    ]);
  });

  it('refuses a version below the committed one', () => {
    const document = structuredClone(committed) as { components: { messages: Record<string, Record<string, unknown>> } };
    const message = document.components.messages['order.placed'];
    if (!message) throw new Error('order.placed is not in the committed contract');
    message['x-contract-version'] = 3;
    expect(contractViolations(document, [fixtureTopic])).toEqual([{ topic: 'order.placed', problem: 'contractVersion 1 is below the committed 3' }]);
  });

  it('lets a topic that is not in the committed contract yet through', () => {
    expect(contractViolations(committed, [withSchema(fixtureTopic, video, { name: 'video.new-topic' })])).toEqual([]);
  });
});

describe('breakingChanges', () => {
  it.each<[string, z.ZodType, z.ZodType, RegExp]>([
    ['a new required field', order, order.extend({ coupon: z.string() }), /^coupon: new required field$/],
    ['an optional field made required', video.partial({ s3_key: true }), video, /^s3_key: became required$/],
    ['a removed enum value', user, user.extend({ type: z.enum(['page_view', 'search']) }), /^type: enum value\(s\) "click" removed$/],
    ['a narrowed type (number to integer)', order, order.extend({ total: z.int().min(0) }), /^total: type narrowed from "number" to "integer"/],
    ['a narrowed type (string to number)', order, order.extend({ customer_id: z.number() }), /^customer_id: type narrowed/],
    ['a raised minimum', order, order.extend({ total: z.number().min(1) }), /^total: minimum raised from 0 to 1$/],
    ['an exclusive minimum at the same value', order, order.extend({ total: z.number().gt(0) }), /^total: minimum raised from 0 to exclusive 0$/],
    ['a lowered maximum', order, narrowedItems(10), /^items\[\]\.quantity: maximum lowered from 1000 to 10$/],
    ['a shorter maxLength', order, order.extend({ customer_id: z.string().min(1).max(64) }), /^customer_id: maxLength changed from 128 to 64$/],
    ['fewer items allowed', order, order.extend({ items: z.array(item).min(1).max(50) }), /^items: maxItems changed from 100 to 50$/],
    ['a removed field of a strict object', order, order.omit({ total: true }), /^total: field removed/],
    ['a new pattern', order, order.extend({ customer_id: z.string().min(1).max(128).regex(/^c-/) }), /^customer_id: pattern added/],
    ['a value restricted to fixed values', video, video.extend({ s3_key: z.literal('a') }), /^s3_key: restricted to \["a"\]/],
  ])('reports %s', (_what, before, after, expected) => {
    const found = changes(before, after);
    expect(found).toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
  });

  it.each<[string, z.ZodType, z.ZodType]>([
    ['the same schema', order, order],
    ['a new optional field', order, order.extend({ coupon: z.string().optional() })],
    ['an added enum value', user, user.extend({ type: z.enum(['page_view', 'click', 'search', 'scroll']) })],
    ['a widened range', order, order.extend({ total: z.number().min(-1) })],
    ['integer widened to number', video, video.extend({ size_bytes: z.number() })],
    ['a required field made optional', order, order.partial({ total: true })],
    ['a longer maxLength', order, order.extend({ customer_id: z.string().min(1).max(256) })],
    ['a strict object opened to unknown fields', order, z.looseObject(order.shape)],
    ['descriptions added', order, order.extend({ total: z.number().min(0).meta({ description: 'Sum of the items.' }) })],
  ])('accepts %s', (_what, before, after) => {
    expect(changes(before, after)).toEqual([]);
  });

  it('reports a new field of an open object that old records may carry with another type', () => {
    const before = z.looseObject({ id: z.string() });
    expect(changes(before, z.looseObject({ id: z.string(), note: z.number().optional() }))).toEqual([expect.stringMatching(/^note: type narrowed/)]);
    expect(changes(before, z.strictObject({ id: z.string() }))).toEqual(['(value): unknown fields no longer accepted']);
  });

  it('compares alternatives: each old branch must be accepted by a new one', () => {
    const before = z.union([z.string(), z.int()]);
    expect(changes(before, z.union([z.string(), z.number()]))).toEqual([]);
    expect(changes(before, z.string())).toEqual([expect.stringMatching(/^\(value\): type narrowed/)]);
  });
});
