/** The generated AsyncAPI document is valid AsyncAPI 3 (@asyncapi/parser) and says what the catalog says. */
import { type Diagnostic, Parser } from '@asyncapi/parser';
import { consumerGroups, deadLetterTopicFor, publishers, topics } from '../../events/catalog';
import { generatedDocuments } from '../../lib/contract/documents';
import { DEAD_LETTER_HEADER } from '../../lib/kafka/dead-letter-headers';
import { HEADER } from '../../lib/kafka/headers';

/** Severity 0 is an error in the parser's diagnostics (Spectral's DiagnosticSeverity). */
const errorsOf = (diagnostics: Diagnostic[]) => diagnostics.filter((d) => d.severity === 0).map((d) => `${d.path.join('.')}: ${d.message}`);

const text = generatedDocuments().asyncapi;
const document = JSON.parse(text);

describe('AsyncAPI document (docs/asyncapi.json)', () => {
  it('is valid AsyncAPI 3 for @asyncapi/parser', async () => {
    const { document: parsed, diagnostics } = await new Parser().parse(text);
    expect(errorsOf(diagnostics)).toEqual([]);
    expect(parsed?.version()).toMatch(/^3\./);
    expect(
      parsed
        ?.channels()
        .all()
        .map((c) => c.address()),
    ).toEqual(expect.arrayContaining(topics.map((t) => t.name)));
  });

  it('is refused by the parser when broken (the validation can fail)', async () => {
    const broken = structuredClone(document);
    delete broken.operations[`${consumerGroups[0]}.receives.${topics[0].name}`].channel;
    broken.channels[topics[0].name].messages[topics[0].name] = { $ref: '#/components/messages/no-such-message' };
    const { document: parsed, diagnostics } = await new Parser().parse(JSON.stringify(broken));
    expect(parsed).toBeUndefined();
    expect(errorsOf(diagnostics).join('\n')).toMatch(/channel|no-such-message/);
  });

  it.each(topics.map((t) => [t.name, t] as const))('describes %s: partitions, key, schema, headers, publishers and groups', (_name, topic) => {
    const channel = document.channels[topic.name];
    expect(channel.bindings.kafka).toMatchObject({
      topic: topic.name,
      partitions: topic.partitions,
      topicConfiguration: { 'retention.ms': topic.retentionMs },
    });
    const message = document.components.messages[topic.name];
    expect(message.title).toBe(topic.eventType);
    expect(message['x-key-field']).toBe(topic.keyField);
    expect(message['x-contract-version']).toBe(topic.contractVersion ?? 1);
    expect(message.payload.required).toEqual(expect.arrayContaining([topic.keyField]));
    expect(message.bindings.kafka.key.type).toBe('string');
    expect(message.headers).toEqual({ $ref: '#/components/schemas/EventHeaders' });
    for (const [producer, written] of Object.entries(publishers)) {
      if (written.includes(topic.name)) expect(document.operations[`${producer}.sends.${topic.name}`]).toMatchObject({ action: 'send' });
    }
    for (const group of topic.consumerGroups) {
      expect(document.operations[`${group}.receives.${topic.name}`]).toMatchObject({
        action: 'receive',
        channel: { $ref: `#/channels/${topic.name}` },
        bindings: { kafka: { groupId: { enum: [group] } } },
      });
      const dlq = deadLetterTopicFor(group);
      expect(document.operations[`${group}.dead-letters.${dlq}`]).toMatchObject({ action: 'send', channel: { $ref: `#/channels/${dlq}` } });
      expect(document.components.messages[dlq].headers).toEqual({ $ref: '#/components/schemas/DeadLetterHeaders' });
    }
  });

  it('documents every CloudEvents header and every x-dlq-* header, with the always-present ones required', () => {
    const { EventHeaders, DeadLetterHeaders } = document.components.schemas;
    expect(Object.keys(EventHeaders.properties)).toEqual(expect.arrayContaining(Object.values(HEADER)));
    expect(EventHeaders.required).toEqual(expect.arrayContaining([HEADER.id, HEADER.type, HEADER.source, HEADER.time, HEADER.specVersion]));
    expect(EventHeaders.required).not.toContain(HEADER.redriveGroup);
    expect(Object.keys(DeadLetterHeaders.properties)).toEqual(expect.arrayContaining(Object.values(DEAD_LETTER_HEADER)));
    expect(DeadLetterHeaders.required).toEqual(expect.arrayContaining([DEAD_LETTER_HEADER.error, DEAD_LETTER_HEADER.topic, DEAD_LETTER_HEADER.offset]));
    expect(DeadLetterHeaders.required).not.toContain(DEAD_LETTER_HEADER.condition);
  });
});
