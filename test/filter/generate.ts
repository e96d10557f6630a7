/**
 * Seeded generator of Kafka filter cases (patterns + record value) for the differential test:
 * every operator of the filter rule syntax, nested fields, arrays of values and of objects,
 * numbers written several ways, missing fields, JSON scalars, plain-string and absent values.
 * JSON is written by hand so numbers keep their literal text (`100.0`, `1E2`, `1e400`).
 */
import type { FilterCase } from '../support/event-ruler';

export type Operator =
  | 'equals-string'
  | 'equals-number'
  | 'equals-literal'
  | 'empty'
  | 'exactly'
  | 'prefix'
  | 'prefix-ignore-case'
  | 'suffix'
  | 'suffix-ignore-case'
  | 'equals-ignore-case'
  | 'wildcard'
  | 'anything-but'
  | 'anything-but-number'
  | 'anything-but-prefix'
  | 'anything-but-suffix'
  | 'anything-but-ignore-case'
  | 'anything-but-wildcard'
  | 'numeric-equals'
  | 'numeric-range'
  | 'exists'
  | 'not-exists'
  | 'or'
  | 'value-leaf'
  | 'several-filters';

export interface GeneratedCase extends FilterCase {
  operators: Set<Operator>;
}

// The project's seeded PRNG (shared with the suite sequencer).
const { random } = require('../support/seeded-random') as { random: (seed: number) => () => number };

const STRINGS = [
  'page_view',
  'click',
  'search',
  'Search',
  'SEARCH',
  '/home',
  '/home/x',
  '/cart',
  'kafka lambda',
  'Kafka',
  '',
  'abc',
  'ABC',
  'abd',
  'é',
  'É',
  'straße',
  'STRASSE',
  'x*y',
  'a\\b',
  'error',
  'say "hi"',
  '5',
  'true',
];
const PREFIXES = ['pa', 'page', 'se', 'Se', '/ho', '/home', 'S', '', 'ka', 'a', 'x*', 'ST'];
const SUFFIXES = ['view', 'ch', 'CH', 'ck', '/x', 'e', 'é', '', 'bc', 'SSE', 'se'];
const WILDCARDS = ['*', 'a*', '*e', '/home*', 's*ch', '*a*', 'x\\*y', 'pa*_*w', '*/*', 'S*', 'a\\\\b', '*ß*'];
/** Numbers as JSON text: integers, decimals, exponents, -0, ones event-ruler cannot compare. */
const NUMBERS = [
  '0',
  '1',
  '5',
  '10',
  '-1',
  '2.5',
  '100',
  '100.0',
  '1e2',
  '1E2',
  '300',
  '3.0e2',
  '-0',
  '0.1',
  '0.10000000000000001',
  '12345678901234567890',
  '1e400',
  '-3.75',
  '999999999',
  '0.5',
  '7',
  '1.5e-3',
];
/** Comparable numbers only (numeric operators refuse the others; a few refusals are generated on purpose). */
const COMPARABLE = ['0', '1', '5', '10', '-1', '2.5', '100', '1e2', '300', '-0', '0.1', '-3.75', '999999999', '0.5', '7', '1.5e-3'];
const PLAIN_VALUES = ['error', 'ok', 'hello world', '{not json', '42abc', '', 'tru', '  spaced  ', 'Error', 'ERROR', 'page_view', 'search', '[1,', 'é'];
const SCALAR_VALUES = ['"search"', '42', 'true', 'null', '3.5', '"page_view"', '[1,2,"a"]', '[]', '{}', '100.0', '"error"'];
/** Field paths of value objects; `nope` and `payload.nope` never exist. */
const PATHS = [
  'type',
  'n',
  'price',
  'tags',
  'items.sku',
  'items.qty',
  'payload.path',
  'payload.query',
  'flag',
  'nothing',
  'empty',
  'deep.a.b',
  'nope',
  'payload.nope',
  'deep.list',
];

export function generateCases(count: number, seed: number): GeneratedCase[] {
  const next = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
  const chance = (p: number) => next() < p;
  const str = (s: string) => JSON.stringify(s);

  // --- record values --------------------------------------------------------------------------
  const leafValue = (): string => {
    const r = next();
    if (r < 0.5) return str(pick(STRINGS));
    if (r < 0.8) return pick(NUMBERS);
    if (r < 0.9) return pick(['true', 'false', 'null']);
    return `[${Array.from({ length: Math.floor(next() * 3) }, () => (chance(0.6) ? str(pick(STRINGS)) : pick(NUMBERS))).join(',')}]`;
  };
  const objectValue = (): string => {
    const members: string[] = [];
    const add = (name: string, json: string) => members.push(`${str(name)}:${json}`);
    if (chance(0.9)) add('type', chance(0.8) ? str(pick(['page_view', 'click', 'search'])) : leafValue());
    if (chance(0.6)) add('n', chance(0.8) ? pick(NUMBERS) : leafValue());
    if (chance(0.4)) add('price', pick(NUMBERS));
    if (chance(0.5)) add('tags', `[${Array.from({ length: Math.floor(next() * 4) }, () => str(pick(STRINGS))).join(',')}]`);
    if (chance(0.4)) {
      const items = Array.from({ length: Math.floor(next() * 3) }, () => {
        const fields = [];
        if (chance(0.8)) fields.push(`"sku":${str(pick(STRINGS))}`);
        if (chance(0.8)) fields.push(`"qty":${pick(NUMBERS)}`);
        return `{${fields.join(',')}}`;
      });
      add('items', `[${items.join(',')}]`);
    }
    if (chance(0.6)) {
      const fields = [];
      if (chance(0.7)) fields.push(`"path":${str(pick(STRINGS))}`);
      if (chance(0.5)) fields.push(`"query":${chance(0.8) ? str(pick(STRINGS)) : leafValue()}`);
      add('payload', `{${fields.join(',')}}`);
    }
    if (chance(0.3)) add('flag', pick(['true', 'false']));
    if (chance(0.2)) add('nothing', 'null');
    if (chance(0.2)) add('empty', chance(0.7) ? '""' : '[]');
    if (chance(0.2)) add('deep', `{"a":{"b":${leafValue()}},"list":[${chance(0.5) ? `[${pick(NUMBERS)},${str(pick(STRINGS))}]` : ''}]}`);
    // A dotted key lands on the same path as the nested field.
    if (chance(0.05)) add('payload.path', str(pick(STRINGS)));
    return `{${members.join(',')}}`;
  };
  const recordValue = (): string | null => {
    const r = next();
    if (r < 0.05) return null;
    const text = r < 0.15 ? pick(PLAIN_VALUES) : r < 0.22 ? pick(SCALAR_VALUES) : objectValue();
    return Buffer.from(text, 'utf8').toString('base64');
  };

  // --- patterns -------------------------------------------------------------------------------
  // event-ruler 1.8.1 (2.0.1 too) mis-matches when some operators share one field: patterns that
  // are right alone go wrong together. Minimal reproductions (each part alone is right):
  //   [{"anything-but": {"wildcard": "*a*"}}, {"prefix": {"equals-ignore-case": "Se"}}] delivers "page_view"
  //   [{"wildcard": "*ß*"}, {"prefix": {"equals-ignore-case": "Se"}}] delivers "STRASSE"
  //   [{"anything-but": {"wildcard": "*a*"}}, {"suffix": "é"}] delivers "straße"
  //   [{"wildcard": "*a*"}, {"anything-but": {"suffix": "é"}}] filters out "É"
  //   [{"exactly": "/cart"}, {"numeric": ["<", 5]}, {"prefix": "se"}] filters out "/cart"
  // (numeric ranges occupy the same byte states as the quote that starts every string). The local
  // matcher implements the documented semantics, so each case draws its operators from one family:
  // wildcards (with ASCII suffixes only), or equals-ignore-case, or numbers; the operators that
  // misbehave in none are in all.
  type Family = 'wildcard' | 'ignore-case' | 'numeric';
  let family: Family = 'wildcard';
  const EXCLUDED: Record<Family, ReadonlySet<number>> = {
    wildcard: new Set([2, 7, 9, 10, 13, 16, 18, 19, 20]),
    'ignore-case': new Set([2, 11, 13, 17, 18, 19, 20]),
    numeric: new Set([6, 7, 8, 9, 10, 11, 14, 15, 16, 17]),
  };
  const suffix = () => (family === 'wildcard' ? pick(SUFFIXES.filter((t) => /^[\x20-\x7e]*$/.test(t))) : pick(SUFFIXES));
  const test = (ops: Set<Operator>): string => {
    let r = Math.floor(next() * 24);
    while (EXCLUDED[family].has(r)) r = Math.floor(next() * 24);
    const list = (values: string[]) => (values.length === 1 && chance(0.5) ? (values[0] as string) : `[${values.join(',')}]`);
    switch (r) {
      case 0:
      case 1:
        ops.add('equals-string');
        return str(pick(STRINGS));
      case 2:
        ops.add('equals-number');
        return pick(NUMBERS);
      case 3:
        ops.add('equals-literal');
        return pick(['true', 'false', 'null']);
      case 4:
        ops.add('empty');
        return '""';
      case 5:
        ops.add('exactly');
        return `{"exactly":${str(pick(STRINGS))}}`;
      case 6:
        ops.add('prefix');
        return `{"prefix":${str(pick(PREFIXES))}}`;
      case 7:
        ops.add('prefix-ignore-case');
        return `{"prefix":{"equals-ignore-case":${str(pick(PREFIXES))}}}`;
      case 8:
        ops.add('suffix');
        return `{"suffix":${str(suffix())}}`;
      case 9:
        ops.add('suffix-ignore-case');
        return `{"suffix":{"equals-ignore-case":${str(pick(SUFFIXES))}}}`;
      case 10:
        ops.add('equals-ignore-case');
        return `{"equals-ignore-case":${str(pick(STRINGS))}}`;
      case 11:
        ops.add('wildcard');
        return `{"wildcard":${str(pick(WILDCARDS))}}`;
      case 12:
        ops.add('anything-but');
        return `{"anything-but":${list(Array.from({ length: 1 + Math.floor(next() * 2) }, () => str(pick(STRINGS))))}}`;
      case 13:
        ops.add('anything-but-number');
        return `{"anything-but":${list(Array.from({ length: 1 + Math.floor(next() * 2) }, () => pick(COMPARABLE)))}}`;
      case 14:
        ops.add('anything-but-prefix');
        return `{"anything-but":{"prefix":${list([str(pick(PREFIXES.filter(Boolean)))])}}}`;
      case 15:
        ops.add('anything-but-suffix');
        return `{"anything-but":{"suffix":${list([str(suffix() || 'e')])}}}`;
      case 16:
        ops.add('anything-but-ignore-case');
        return `{"anything-but":{"equals-ignore-case":${list(Array.from({ length: 1 + Math.floor(next() * 2) }, () => str(pick(STRINGS))))}}}`;
      case 17:
        ops.add('anything-but-wildcard');
        return `{"anything-but":{"wildcard":${list([str(pick(WILDCARDS))])}}}`;
      case 18:
        ops.add('numeric-equals');
        return `{"numeric":["=",${chance(0.95) ? pick(COMPARABLE) : pick(NUMBERS)}]}`;
      case 19:
      case 20: {
        ops.add('numeric-range');
        const op = pick(['>', '>=', '<', '<=']);
        const low = pick(COMPARABLE);
        if ((op === '>' || op === '>=') && chance(0.6)) return `{"numeric":["${op}",${low},"${pick(['<', '<='])}",${pick(COMPARABLE)}]}`;
        return `{"numeric":["${op}",${low}]}`;
      }
      case 21:
        ops.add('exists');
        return '{"exists":true}';
      default:
        ops.add('not-exists');
        return '{"exists":false}';
    }
  };
  const tests = (ops: Set<Operator>) => `[${Array.from({ length: 1 + Math.floor(next() * 3) }, () => test(ops)).join(',')}]`;
  /** `{"a":{"b":[...]}}` for path `a.b`. */
  const nested = (path: string, inner: string) => path.split('.').reduceRight((acc, step) => `{${str(step)}:${acc}}`, inner);
  const fieldsObject = (ops: Set<Operator>, depth: number): string => {
    const paths = [...new Set(Array.from({ length: 1 + Math.floor(next() * 3) }, () => pick(PATHS)))];
    const members = paths.map((path) => nested(path, tests(ops)).slice(1, -1));
    if (depth < 2 && chance(0.15)) {
      ops.add('or');
      const branches = Array.from({ length: 2 + Math.floor(next() * 2) }, () => fieldsObject(ops, depth + 1));
      members.push(`"$or":[${branches.join(',')}]`);
    }
    return `{${members.join(',')}}`;
  };
  const pattern = (ops: Set<Operator>): string => {
    const r = next();
    if (r < 0.2) {
      ops.add('value-leaf');
      return `{"value":${tests(ops)}}`;
    }
    if (r < 0.3) {
      ops.add('or');
      return `{"$or":[{"value":${fieldsObject(ops, 1)}},{"value":${chance(0.5) ? tests(ops) : fieldsObject(ops, 1)}}]}`;
    }
    return `{"value":${fieldsObject(ops, 0)}}`;
  };

  return Array.from({ length: count }, () => {
    const operators = new Set<Operator>();
    family = pick(['wildcard', 'ignore-case', 'numeric'] as const);
    const patternCount = chance(0.15) ? 2 + Math.floor(next() * 2) : 1;
    if (patternCount > 1) operators.add('several-filters');
    const patterns = Array.from({ length: patternCount }, () => pattern(operators));
    return { patterns, value: recordValue(), operators };
  });
}
