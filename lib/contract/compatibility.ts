/**
 * Backward compatibility of record schemas: does the new JSON Schema accept every value the old one
 * accepted? Records stay on a topic for 7 days (and longer on dead-letter topics, and a redrive
 * replays them), so a consumer validating with the new schema must still accept them.
 *
 * The check is structural and conservative: a keyword it cannot prove compatible (a changed
 * `pattern`, an unknown keyword whose value differs) counts as breaking. It works on the JSON
 * Schemas zod generates (draft-07 for the AsyncAPI document), so refinements zod cannot express
 * (`.refine`, `.superRefine`) are outside its sight.
 *
 * @example
 * breakingChanges(committedPayload, currentPayload) // ['items.quantity: maximum lowered from 1000 to 10']
 */

/** A JSON Schema as zod's converter writes it (boolean schemas included). */
export type JsonSchema = boolean | { readonly [keyword: string]: unknown };

type SchemaObject = { readonly [keyword: string]: unknown };

/** Keywords that only describe and never change which values are accepted. */
const ANNOTATIONS = new Set(['$schema', '$id', 'title', 'description', 'default', 'examples', 'deprecated', 'readOnly', 'writeOnly', '$comment']);
/** Keywords this module understands; any other keyword that differs is reported as not provably compatible. */
const HANDLED = new Set([
  'type',
  'enum',
  'const',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'pattern',
  'format',
  'required',
  'properties',
  'additionalProperties',
  'propertyNames',
  'items',
  'anyOf',
  'oneOf',
]);

const isObject = (value: unknown): value is SchemaObject => typeof value === 'object' && value !== null && !Array.isArray(value);

function asObject(schema: JsonSchema): SchemaObject {
  if (schema === true) return {};
  if (schema === false) return { not: {} };
  return schema;
}

const where = (path: string) => path || '(value)';
const show = (value: unknown) => JSON.stringify(value);

/**
 * The ways `next` rejects values `previous` accepted, one sentence each with the field path; empty
 * when `next` accepts at least everything `previous` did.
 */
export function breakingChanges(previous: JsonSchema, next: JsonSchema, path = ''): string[] {
  if (next === true || (isObject(next) && Object.keys(next).every((k) => ANNOTATIONS.has(k)))) return [];
  if (previous === false) return [];
  const oldBranches = branches(asObject(previous));
  const newBranches = branches(asObject(next));
  if (oldBranches.length === 1 && newBranches.length === 1) return compareObjects(oldBranches[0] as SchemaObject, newBranches[0] as SchemaObject, path);
  // Every value of an old branch must be accepted by one new branch (a value matching an old
  // branch is checked against the closest new one).
  return oldBranches.flatMap((oldBranch) => {
    let closest: string[] | undefined;
    for (const newBranch of newBranches) {
      const problems = compareObjects(oldBranch, newBranch, path);
      if (problems.length === 0) return [];
      if (!closest || problems.length < closest.length) closest = problems;
    }
    return closest ?? [`${where(path)}: no alternative accepts what was accepted before`];
  });
}

/** The alternatives of a schema (`anyOf`/`oneOf`), each merged with the schema's other keywords. */
function branches(schema: SchemaObject): SchemaObject[] {
  const alternatives = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (!Array.isArray(alternatives)) return [schema];
  const { anyOf: _a, oneOf: _o, ...rest } = schema;
  return alternatives.flatMap((alternative) => branches({ ...rest, ...asObject(alternative) }));
}

function compareObjects(previous: SchemaObject, next: SchemaObject, path: string): string[] {
  const problems: string[] = [];
  problems.push(...typeChanges(previous, next, path));
  problems.push(...valueSetChanges(previous, next, path));
  problems.push(...boundChanges(previous, next, path));
  for (const keyword of ['pattern', 'format'] as const) {
    if (next[keyword] !== undefined && next[keyword] !== previous[keyword]) {
      problems.push(
        `${where(path)}: ${keyword} ${previous[keyword] === undefined ? `added (${show(next[keyword])})` : `changed from ${show(previous[keyword])} to ${show(next[keyword])}`}`,
      );
    }
  }
  problems.push(...objectChanges(previous, next, path));
  if (next.items !== undefined) {
    if (Array.isArray(next.items) || Array.isArray(previous.items)) {
      if (show(next.items) !== show(previous.items)) problems.push(`${where(path)}: tuple items changed`);
    } else {
      problems.push(...breakingChanges((previous.items as JsonSchema | undefined) ?? true, next.items as JsonSchema, `${path}[]`));
    }
  }
  if (next.propertyNames !== undefined) {
    problems.push(
      ...breakingChanges((previous.propertyNames as JsonSchema | undefined) ?? { type: 'string' }, next.propertyNames as JsonSchema, `${path}{key}`),
    );
  }
  for (const keyword of Object.keys(next)) {
    if (HANDLED.has(keyword) || ANNOTATIONS.has(keyword)) continue;
    if (show(next[keyword]) !== show(previous[keyword])) problems.push(`${where(path)}: ${keyword} changed (cannot be proven compatible)`);
  }
  return problems;
}

const JSON_TYPES = ['string', 'number', 'integer', 'boolean', 'object', 'array', 'null'];

function typesOf(schema: SchemaObject): Set<string> {
  if (schema.type === undefined) {
    if (schema.const !== undefined) return new Set([jsonTypeOf(schema.const)]);
    if (Array.isArray(schema.enum)) return new Set(schema.enum.map(jsonTypeOf));
    return new Set(JSON_TYPES);
  }
  return new Set([schema.type].flat() as string[]);
}

function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function typeChanges(previous: SchemaObject, next: SchemaObject, path: string): string[] {
  if (next.type === undefined) return [];
  const accepted = typesOf(next);
  const lost = [...typesOf(previous)].filter((type) => !accepted.has(type) && !(type === 'integer' && accepted.has('number')));
  return lost.length > 0
    ? [`${where(path)}: type narrowed from ${show(previous.type ?? 'any')} to ${show(next.type)} (${lost.join(', ')} no longer accepted)`]
    : [];
}

function valueSetChanges(previous: SchemaObject, next: SchemaObject, path: string): string[] {
  const allowed = next.const !== undefined ? [next.const] : (next.enum as unknown[] | undefined);
  if (!allowed) return [];
  const before = previous.const !== undefined ? [previous.const] : (previous.enum as unknown[] | undefined);
  if (!before) return [`${where(path)}: restricted to ${show(allowed)} (any value was accepted)`];
  const kept = new Set(allowed.map(show));
  const removed = before.filter((value) => !kept.has(show(value)));
  return removed.length > 0 ? [`${where(path)}: enum value(s) ${removed.map(show).join(', ')} removed`] : [];
}

interface Bound {
  value: number;
  exclusive: boolean;
}

/** The lower (`min`) or upper bound of a number, in draft-07 form (numeric exclusive keywords). */
function numberBound(schema: SchemaObject, side: 'min' | 'max'): Bound | undefined {
  const inclusive = schema[side === 'min' ? 'minimum' : 'maximum'];
  const exclusive = schema[side === 'min' ? 'exclusiveMinimum' : 'exclusiveMaximum'];
  const bounds: Bound[] = [];
  if (typeof inclusive === 'number') bounds.push({ value: inclusive, exclusive: false });
  if (typeof exclusive === 'number') bounds.push({ value: exclusive, exclusive: true });
  if (exclusive === true && typeof inclusive === 'number') bounds.splice(0, 1, { value: inclusive, exclusive: true }); // draft-04 form
  if (bounds.length === 0) return undefined;
  // The tighter of the two.
  return bounds.reduce((a, b) => {
    if (a.value === b.value) return a.exclusive ? a : b;
    return side === 'min' ? (a.value > b.value ? a : b) : a.value < b.value ? a : b;
  });
}

function tighter(side: 'min' | 'max', previous: Bound | undefined, next: Bound | undefined): boolean {
  if (!next) return false;
  if (!previous) return true;
  if (next.value === previous.value) return next.exclusive && !previous.exclusive;
  return side === 'min' ? next.value > previous.value : next.value < previous.value;
}

const boundText = (bound: Bound | undefined) => (bound ? `${bound.exclusive ? 'exclusive ' : ''}${bound.value}` : 'none');

function boundChanges(previous: SchemaObject, next: SchemaObject, path: string): string[] {
  const problems: string[] = [];
  for (const side of ['min', 'max'] as const) {
    const before = numberBound(previous, side);
    const after = numberBound(next, side);
    if (tighter(side, before, after))
      problems.push(`${where(path)}: ${side === 'min' ? 'minimum raised' : 'maximum lowered'} from ${boundText(before)} to ${boundText(after)}`);
  }
  for (const [keyword, side] of [
    ['minLength', 'min'],
    ['maxLength', 'max'],
    ['minItems', 'min'],
    ['maxItems', 'max'],
    ['minProperties', 'min'],
    ['maxProperties', 'max'],
  ] as const) {
    const before = previous[keyword];
    const after = next[keyword];
    if (typeof after !== 'number') continue;
    const narrowed = typeof before !== 'number' || (side === 'min' ? after > before : after < before);
    if (narrowed) problems.push(`${where(path)}: ${keyword} ${typeof before === 'number' ? `changed from ${before} to ${after}` : `added (${after})`}`);
  }
  return problems;
}

function objectChanges(previous: SchemaObject, next: SchemaObject, path: string): string[] {
  const problems: string[] = [];
  const child = (name: string) => (path ? `${path}.${name}` : name);
  const oldRequired = new Set((previous.required as string[] | undefined) ?? []);
  for (const name of (next.required as string[] | undefined) ?? []) {
    if (!oldRequired.has(name))
      problems.push(`${child(name)}: ${isObject(previous.properties) && name in previous.properties ? 'became required' : 'new required field'}`);
  }
  const oldProperties = (isObject(previous.properties) ? previous.properties : {}) as Record<string, JsonSchema>;
  const newProperties = (isObject(next.properties) ? next.properties : {}) as Record<string, JsonSchema>;
  const oldExtra = (previous.additionalProperties as JsonSchema | undefined) ?? true;
  const newExtra = (next.additionalProperties as JsonSchema | undefined) ?? true;
  for (const [name, schema] of Object.entries(oldProperties)) {
    const replacement = Object.hasOwn(newProperties, name) ? newProperties[name] : newExtra;
    if (replacement === false) problems.push(`${child(name)}: field removed (records that carry it are rejected)`);
    else if (replacement !== undefined) problems.push(...breakingChanges(schema, replacement, child(name)));
  }
  // A field that is new here may already sit in old records when the old schema let unknown fields in.
  if (oldExtra !== false) {
    for (const [name, schema] of Object.entries(newProperties)) {
      if (!Object.hasOwn(oldProperties, name)) problems.push(...breakingChanges(oldExtra, schema, child(name)));
    }
    if (newExtra === false) problems.push(`${where(path)}: unknown fields no longer accepted`);
    else problems.push(...breakingChanges(oldExtra, newExtra, `${path}{*}`));
  }
  return problems;
}
