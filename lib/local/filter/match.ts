/**
 * Matches an event against compiled sub-rules the way AWS event-ruler's array-consistent matcher
 * (`rulesForJSONEvent`) does: the event is flattened to leaf values keyed by dotted path, an array
 * of values matches when one of them does, and the fields a sub-rule matches must come from the
 * same element of any array of objects they share (`{"a": [{"b": 1, "c": 2}, {"b": 3, "c": 4}]}`
 * does not match `b = 1 and c = 4`). `exists` only sees leaves: an object or empty array is absent.
 */
import type { JsonNode } from './json';
import { comparableKey } from './number';
import type { CaseAnchor, SubRule, ValueTest } from './rule';

/** Array id -> element index, for every array of objects/arrays a leaf sits in. */
type Membership = ReadonlyMap<number, number>;

export interface Leaf {
  path: string;
  /** Strings in quotes, everything else as its JSON text. */
  token: string;
  /** Set for numbers event-ruler can compare numerically. */
  key?: bigint;
  membership: Membership;
}

/** Leaves of an event (an object), grouped by path. */
export type FlatEvent = ReadonlyMap<string, Leaf[]>;

const NOT_IN_ARRAY: Membership = new Map();

/**
 * The event's leaves by path. With `wanted` (every field path the rules name, and each of its
 * dotted prefixes), members on other paths are not visited: no rule can see them, and a Kafka
 * record's value has many more fields than its filters name.
 */
export function flatten(event: Extract<JsonNode, { kind: 'object' }>, wanted?: ReadonlySet<string>): FlatEvent {
  const leaves = new Map<string, Leaf[]>();
  let arrays = 0;
  const membership = new Map<number, number>();
  const add = (path: string, node: JsonNode): void => {
    const token = node.kind === 'string' ? `"${node.value}"` : node.kind === 'number' || node.kind === 'literal' ? node.text : '';
    const leaf: Leaf = { path, token, membership: membership.size === 0 ? NOT_IN_ARRAY : new Map(membership) };
    if (node.kind === 'number') leaf.key = comparableKey(node.text);
    const list = leaves.get(path);
    if (list) list.push(leaf);
    else leaves.set(path, [leaf]);
  };
  const visit = (path: string, node: JsonNode): void => {
    if (node.kind === 'object') {
      for (const [name, value] of node.members) {
        const member = path === '' ? name : `${path}.${name}`;
        if (wanted === undefined || wanted.has(member)) visit(member, value);
      }
    } else if (node.kind === 'array') {
      const id = arrays++;
      node.items.forEach((item, index) => {
        // Only elements that are objects or arrays pin the array; a plain value list does not.
        if (item.kind === 'object' || item.kind === 'array') {
          membership.set(id, index);
          visit(path, item);
          membership.delete(id);
        } else {
          add(path, item);
        }
      });
    } else {
      add(path, node);
    }
  };
  visit('', event);
  return leaves;
}

/** The paths {@link flatten} must visit for `rules`: each field they name and its dotted prefixes. */
export function wantedPaths(rules: readonly SubRule[]): Set<string> {
  const wanted = new Set<string>();
  for (const rule of rules) {
    for (const field of rule.keys()) {
      const parts = field.split('.');
      for (let i = 1; i <= parts.length; i++) wanted.add(parts.slice(0, i).join('.'));
    }
  }
  return wanted;
}

/** Whether any sub-rule matches the event. */
export function matchesAny(rules: readonly SubRule[], event: FlatEvent): boolean {
  return rules.some((rule) => matchesRule(rule, event));
}

/** Each rule's fields in sorted order, computed once per rule. */
const sortedFields = new WeakMap<SubRule, string[]>();

function matchesRule(rule: SubRule, event: FlatEvent): boolean {
  // Fields in sorted order, as the engine walks them: an `exists: false` is decided with the
  // array elements pinned by the fields before it.
  let fields = sortedFields.get(rule);
  if (fields === undefined) {
    fields = [...rule.keys()].sort();
    sortedFields.set(rule, fields);
  }
  const step = (index: number, pinned: Membership): boolean => {
    if (index === (fields as string[]).length) return true;
    const path = (fields as string[])[index] as string;
    const tests = rule.get(path) ?? [];
    const leaves = event.get(path) ?? [];
    if (tests.some((t) => t.op === 'absent') && !leaves.some((leaf) => merge(pinned, leaf.membership)) && step(index + 1, pinned)) return true;
    for (const leaf of leaves) {
      const next = merge(pinned, leaf.membership);
      if (next && tests.some((test) => passes(test, leaf)) && step(index + 1, next)) return true;
    }
    return false;
  };
  return step(0, NOT_IN_ARRAY);
}

/** The union of two memberships, or undefined when they disagree on an array's element. */
function merge(a: Membership, b: Membership): Membership | undefined {
  if (b.size === 0) return a;
  let merged: Map<number, number> | undefined;
  for (const [array, index] of b) {
    const seen = a.get(array);
    if (seen === undefined) {
      merged ??= new Map(a);
      merged.set(array, index);
    } else if (seen !== index) {
      return undefined;
    }
  }
  return merged ?? a;
}

function passes(test: ValueTest, leaf: Leaf): boolean {
  const { token, key } = leaf;
  switch (test.op) {
    case 'exact':
      return token === test.token;
    case 'numeric-equals':
      return key !== undefined && key === test.key;
    case 'range':
      if (key === undefined) return false;
      if (test.low !== undefined && (test.lowOpen ? key <= test.low : key < test.low)) return false;
      if (test.high !== undefined && (test.highOpen ? key >= test.high : key > test.high)) return false;
      return true;
    case 'prefix':
      return token.startsWith(test.text);
    case 'suffix':
      return token.endsWith(test.text);
    case 'ignore-case':
      return ignoreCase(test.text, token, test.anchor);
    case 'wildcard':
      return test.regex.test(token);
    case 'anything-but':
      return !test.tokens.has(token);
    case 'anything-but-number':
      return key === undefined || !test.keys.has(key);
    case 'anything-but-prefix':
      return !test.texts.some((text) => token.startsWith(text));
    case 'anything-but-suffix':
      return !test.texts.some((text) => token.endsWith(text));
    case 'anything-but-ignore-case':
      return !test.texts.some((text) => ignoreCase(text, token, 'whole'));
    case 'anything-but-wildcard':
      return !test.regexes.some((regex) => regex.test(token));
    case 'exists':
      return true;
    case 'absent':
      return false;
  }
}

/**
 * event-ruler's equals-ignore-case: each character of the pattern matches its lower-case or its
 * upper-case form (Locale.ROOT, one UTF-16 unit at a time), which may be longer than one character.
 */
function ignoreCase(pattern: string, token: string, anchor: CaseAnchor): boolean {
  const forms = pattern.split('').map((c) => [...new Set([c.toLowerCase(), c.toUpperCase()])]);
  const memo = new Map<number, boolean>();
  if (anchor === 'suffix') {
    // Match backwards from the end of the token.
    const from = (i: number, end: number): boolean => {
      if (i < 0) return true;
      const id = i * (token.length + 1) + end;
      const known = memo.get(id);
      if (known !== undefined) return known;
      const result = (forms[i] as string[]).some((form) => end >= form.length && token.startsWith(form, end - form.length) && from(i - 1, end - form.length));
      memo.set(id, result);
      return result;
    };
    return from(forms.length - 1, token.length);
  }
  const from = (i: number, at: number): boolean => {
    if (i === forms.length) return anchor === 'prefix' || at === token.length;
    const id = i * (token.length + 1) + at;
    const known = memo.get(id);
    if (known !== undefined) return known;
    const result = (forms[i] as string[]).some((form) => token.startsWith(form, at) && from(i + 1, at + form.length));
    memo.set(id, result);
    return result;
  };
  return from(0, 0);
}
