/**
 * The compatibility guard: compares the catalog with the committed AsyncAPI document. A topic whose
 * schema would reject records written under the committed contract must carry a higher
 * `contractVersion` with a migration note for it (events/catalog.ts); otherwise the change is
 * refused, by `npm run contract` (which then writes nothing) and by
 * test/contract/compatibility.unit.test.ts.
 */
import { z } from 'zod';
import type { TopicDefinition } from '../../events/catalog';
import { breakingChanges, type JsonSchema } from './compatibility';
import { jsonSchemaOf } from './json-schema';

const committedDocument = z.object({
  components: z.object({
    messages: z.record(z.string(), z.object({ payload: z.unknown(), 'x-contract-version': z.int().positive().optional() }).loose()),
  }),
});

export interface Violation {
  topic: string;
  problem: string;
}

const jsonSchema = z.union([z.boolean(), z.record(z.string(), z.unknown())]);

/** What is wrong with the catalog's topics against the committed document; empty when nothing is. */
export function contractViolations(committed: unknown, topics: readonly TopicDefinition[]): Violation[] {
  const { messages } = committedDocument.parse(committed).components;
  const violations: Violation[] = [];
  for (const topic of topics) {
    const version = topic.contractVersion ?? 1;
    const note = topic.migrationNotes?.[version];
    const previous = messages[topic.name];
    if (!previous) continue; // a new topic: nothing was written under a contract yet
    const committedVersion = previous['x-contract-version'] ?? 1;
    if (version < committedVersion) {
      violations.push({ topic: topic.name, problem: `contractVersion ${version} is below the committed ${committedVersion}` });
      continue;
    }
    if (version > committedVersion) {
      if (!note?.trim())
        violations.push({
          topic: topic.name,
          problem: `contractVersion ${version} needs migrationNotes[${version}] saying what changed and what happens to records of version ${committedVersion}`,
        });
      continue;
    }
    const changes = breakingChanges(jsonSchema.parse(previous.payload) as JsonSchema, jsonSchemaOf(topic.schema, 'draft-07'));
    for (const change of changes) {
      violations.push({
        topic: topic.name,
        problem: `${change} — records written under contract v${committedVersion} would be rejected; bump contractVersion to ${committedVersion + 1} with migrationNotes[${committedVersion + 1}] if this is on purpose`,
      });
    }
  }
  return violations;
}
