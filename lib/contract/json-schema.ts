/**
 * zod schemas as JSON Schema, through zod's own converter (`z.toJSONSchema`): the contract
 * documents carry exactly what the runtime validates (refinements aside, which JSON Schema cannot
 * express). `$schema` is dropped: the documents embed the schemas, their dialect is the document's.
 */
import { z } from 'zod';
import type { JsonSchema } from './compatibility';

/** draft-07 for AsyncAPI 3 (its Schema Object is a draft-07 superset); 2020-12 for OpenAPI 3.1. */
export type Dialect = 'draft-07' | 'draft-2020-12';

/**
 * `input`: what a sender must write (request bodies, record values); `output`: what a reader gets
 * (response bodies).
 */
export function jsonSchemaOf(schema: z.ZodType, dialect: Dialect, io: 'input' | 'output' = 'input'): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: dialect === 'draft-07' ? 'draft-7' : 'draft-2020-12', io });
  return rest;
}

/** The JSON Schema of property `name` of an object schema (as jsonSchemaOf made it). */
export function propertySchema(objectSchema: Record<string, unknown>, name: string): JsonSchema {
  const properties = objectSchema.properties as Record<string, JsonSchema> | undefined;
  return properties?.[name] ?? true;
}
