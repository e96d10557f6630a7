/**
 * Compiles a Lambda filter pattern into the sub-rules Lambda's engine matches, following AWS
 * event-ruler's `JsonRuleCompiler` (the engine behind Lambda and EventBridge patterns): the
 * pattern's fields are ANDed, the values listed for a field are ORed, and every `$or` forks the
 * rule into one sub-rule per branch. Field paths are the keys joined with dots.
 *
 * Syntax (https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html#filtering-syntax,
 * which defers to https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html):
 * `"f": ["a", 5, true, null]` equals (numbers also numerically), `""` empty, `{"exactly": s}`,
 * `{"prefix": s | {"equals-ignore-case": s}}`, `{"suffix": ...}` likewise, `{"equals-ignore-case": s}`,
 * `{"wildcard": "a*b"}`, `{"anything-but": v | [v...] | {"prefix" | "suffix" | "equals-ignore-case" | "wildcard": s | [s...]}}`,
 * `{"numeric": ["=", n]}` or `[">" | ">=", n, "<" | "<=", m]`, `{"exists": true | false}`, `"$or": [{...}, {...}]`.
 * `cidr` (IP ranges) is refused: the local triggers do not emulate it.
 */
import { type JsonNode, JsonSyntaxError, parseJson } from './json';
import { comparableKey } from './number';

/** One test of a field's value. Texts include the quotes event-ruler wraps strings in. */
export type ValueTest =
  | { op: 'exact'; token: string }
  | { op: 'numeric-equals'; key: bigint }
  | { op: 'range'; low?: bigint; lowOpen: boolean; high?: bigint; highOpen: boolean }
  | { op: 'prefix' | 'suffix'; text: string }
  | { op: 'ignore-case'; anchor: CaseAnchor; text: string }
  | { op: 'wildcard'; regex: RegExp }
  | { op: 'anything-but'; tokens: ReadonlySet<string> }
  | { op: 'anything-but-number'; keys: ReadonlySet<bigint> }
  | { op: 'anything-but-prefix' | 'anything-but-suffix'; texts: readonly string[] }
  | { op: 'anything-but-ignore-case'; texts: readonly string[] }
  | { op: 'anything-but-wildcard'; regexes: readonly RegExp[] }
  | { op: 'exists' }
  | { op: 'absent' };

export type CaseAnchor = 'whole' | 'prefix' | 'suffix';

/** Field path -> the tests of which one must pass (or `absent`). A sub-rule matches when all fields do. */
export type SubRule = Map<string, ValueTest[]>;

export class FilterPatternError extends Error {
  override name = 'FilterPatternError';
}

/** Names event-ruler reserves inside `$or` (its Constants.RESERVED_FIELD_NAMES_IN_OR_RELATIONSHIP). */
const RESERVED_IN_OR = new Set([
  ...['exactly', 'equals-ignore-case', 'prefix', 'suffix', 'anything-but', 'exists', 'wildcard', 'numeric', 'cidr'],
  ...['=', '<', '<=', '>', '>=', 'regex', 'not-wildcard', 'not-equals-ignore-case'],
  ...['date-after', 'date-on-or-after', 'date-before', 'date-on-or-before', 'in-date-range', 'ip-address-in-range', 'ip-address-not-in-range'],
]);

const fail = (message: string): never => {
  throw new FilterPatternError(message);
};

/** The sub-rules of a pattern (its JSON text); throws FilterPatternError when Lambda would refuse it. */
export function compilePattern(pattern: string): SubRule[] {
  let root: JsonNode;
  try {
    root = parseJson(pattern);
  } catch (error) {
    if (error instanceof JsonSyntaxError) fail(`not JSON: ${error.message}`);
    throw error;
  }
  if (root.kind !== 'object') fail('Filter is not an object');
  const rules: SubRule[] = [];
  parseObject(rules, [], root as Extract<JsonNode, { kind: 'object' }>, false);
  return rules;
}

function parseObject(rules: SubRule[], path: string[], node: Extract<JsonNode, { kind: 'object' }>, insideOr: boolean): void {
  if (node.members.length === 0) fail('Empty objects are not allowed');
  for (const [name, value] of node.members) {
    if (name === '$or') {
      parseOr(rules, path, value);
      continue;
    }
    if (insideOr && RESERVED_IN_OR.has(name)) fail(`${name} is a reserved field name inside $or`);
    if (value.kind === 'object') parseObject(rules, [...path, name], value, insideOr);
    else if (value.kind === 'array') writeTests(rules, [...path, name].join('.'), value.items);
    else fail(`"${name}" must be an object or an array`);
  }
}

function parseOr(rules: SubRule[], path: string[], node: JsonNode): void {
  const before = rules.map((rule) => new Map(rule));
  rules.length = 0;
  if (node.kind !== 'array') fail('$or must be followed by an array');
  const branches = (node as Extract<JsonNode, { kind: 'array' }>).items;
  if (branches.length < 2) fail('There must be at least 2 objects in $or');
  for (const branch of branches) {
    if (branch.kind !== 'object') fail('Only JSON objects are allowed in $or');
    const forked = before.map((rule) => new Map(rule));
    if (forked.length === 0) forked.push(new Map());
    parseObject(forked, path, branch as Extract<JsonNode, { kind: 'object' }>, true);
    rules.push(...forked);
  }
}

function writeTests(rules: SubRule[], name: string, items: JsonNode[]): void {
  const tests: ValueTest[] = [];
  for (const item of items) {
    switch (item.kind) {
      case 'object':
        tests.push(matchExpression(item));
        break;
      case 'string':
        tests.push({ op: 'exact', token: quoted(item.value) });
        break;
      case 'number': {
        // A number matches numerically when it can be compared, and by its literal text always.
        const key = comparableKey(item.text);
        if (key !== undefined) tests.push({ op: 'numeric-equals', key });
        tests.push({ op: 'exact', token: item.text });
        break;
      }
      case 'literal':
        tests.push({ op: 'exact', token: item.text });
        break;
      default:
        fail('Match value must be String, number, true, false, or null');
    }
  }
  if (tests.length === 0) fail('Empty arrays are not allowed');
  if (rules.length === 0) rules.push(new Map());
  // A later mention of the same path replaces the earlier one, as in event-ruler.
  for (const rule of rules) rule.set(name, tests);
}

/** `{ "<operator>": <operand> }`: exactly one member. */
function single(node: Extract<JsonNode, { kind: 'object' }>, what: string): [string, JsonNode] {
  const [first, ...rest] = node.members;
  if (!first) return fail(`${what} name not found`);
  if (rest.length > 0) fail(`Only one key allowed in ${what}`);
  return first;
}

function stringOperand(node: JsonNode, operator: string): string {
  if (node.kind !== 'string') fail(`${operator} match pattern must be a string`);
  return (node as Extract<JsonNode, { kind: 'string' }>).value;
}

function ignoreCaseOperand(node: JsonNode, operator: string): string {
  if (node.kind !== 'object') return fail(`${operator} match pattern must be a string or an equals-ignore-case object`);
  const [name, value] = single(node, `${operator} expression`);
  if (name !== 'equals-ignore-case') fail(`Unsupported ${operator} pattern: ${name}`);
  return stringOperand(value, 'equals-ignore-case');
}

function matchExpression(node: Extract<JsonNode, { kind: 'object' }>): ValueTest {
  const [operator, operand] = single(node, 'match expression');
  switch (operator) {
    case 'exactly':
      return { op: 'exact', token: quoted(stringOperand(operand, operator)) };
    case 'prefix':
      return operand.kind === 'object'
        ? { op: 'ignore-case', anchor: 'prefix', text: `"${ignoreCaseOperand(operand, operator)}` }
        : { op: 'prefix', text: `"${stringOperand(operand, operator)}` };
    case 'suffix':
      return operand.kind === 'object'
        ? { op: 'ignore-case', anchor: 'suffix', text: `${ignoreCaseOperand(operand, operator)}"` }
        : { op: 'suffix', text: `${stringOperand(operand, operator)}"` };
    case 'equals-ignore-case':
      return { op: 'ignore-case', anchor: 'whole', text: quoted(stringOperand(operand, operator)) };
    case 'wildcard':
      return { op: 'wildcard', regex: wildcardRegex(quoted(stringOperand(operand, operator))) };
    case 'numeric':
      if (operand.kind !== 'array') fail('Value of numeric must be an array.');
      return numeric((operand as Extract<JsonNode, { kind: 'array' }>).items);
    case 'anything-but':
      return anythingBut(operand);
    case 'exists':
      if (operand.kind !== 'literal' || operand.text === 'null') fail('exists match pattern must be either true or false.');
      return (operand as Extract<JsonNode, { kind: 'literal' }>).text === 'true' ? { op: 'exists' } : { op: 'absent' };
    case 'cidr':
      return fail('cidr (IP address ranges) is not supported by the local filter emulation');
    default:
      return fail(`Unrecognized match type ${operator}`);
  }
}

function numberKey(node: JsonNode | undefined, what: string): bigint {
  if (node?.kind !== 'number') return fail(`Value of ${what} must be numeric`);
  const key = comparableKey(node.text);
  if (key === undefined) fail(`Cannot compare number : ${node.text}`);
  return key as bigint;
}

function numeric(items: JsonNode[]): ValueTest {
  const [first, value, second, top, ...extra] = items;
  if (first?.kind !== 'string') return fail('Invalid member in numeric match');
  const operator = first.value;
  if (operator === '=') {
    const key = numberKey(value, operator);
    if (items.length !== 2) fail('Too many elements in numeric expression');
    return { op: 'numeric-equals', key };
  }
  if (operator === '<' || operator === '<=') {
    const key = numberKey(value, operator);
    if (items.length !== 2) fail('Too many elements in numeric expression');
    return { op: 'range', high: key, highOpen: operator === '<', lowOpen: false };
  }
  if (operator !== '>' && operator !== '>=') return fail(`Unrecognized numeric range operator: ${operator}`);
  const low = numberKey(value, operator);
  if (items.length === 2) return { op: 'range', low, lowOpen: operator === '>', highOpen: false };
  if (second?.kind !== 'string' || (second.value !== '<' && second.value !== '<=')) return fail('Bad numeric range operator');
  const high = numberKey(top, second.value);
  if (extra.length > 0) fail('Too many terms in numeric range expression');
  if (low >= high) fail('Bottom must be less than top');
  return { op: 'range', low, lowOpen: operator === '>', high, highOpen: second.value === '<' };
}

function anythingBut(operand: JsonNode): ValueTest {
  if (operand.kind === 'object') {
    const [kind, inner] = single(operand, 'Anything-But expression');
    if (!['equals-ignore-case', 'prefix', 'suffix', 'wildcard'].includes(kind)) fail(`Unsupported anything-but pattern: ${kind}`);
    if (inner.kind !== 'array' && inner.kind !== 'string' && inner.kind !== 'number') {
      fail('Value of anything-but must be an array or single string/number value.');
    }
    const texts = (inner.kind === 'array' ? inner.items : [inner]).map((item) => {
      if (item.kind !== 'string') return fail(`anything-but ${kind} values must be strings`);
      if ((kind === 'prefix' || kind === 'suffix') && item.value === '') fail('Null prefix/suffix not allowed');
      return item.value;
    });
    if (kind === 'prefix') return { op: 'anything-but-prefix', texts: texts.map((t) => `"${t}`) };
    if (kind === 'suffix') return { op: 'anything-but-suffix', texts: texts.map((t) => `${t}"`) };
    if (kind === 'wildcard') return { op: 'anything-but-wildcard', regexes: texts.map((t) => wildcardRegex(quoted(t))) };
    return { op: 'anything-but-ignore-case', texts: texts.map(quoted) };
  }
  const values = operand.kind === 'array' ? operand.items : [operand];
  const strings = values.filter((v) => v.kind === 'string');
  const numbers = values.filter((v) => v.kind === 'number');
  if (strings.length + numbers.length !== values.length) fail('Inside anything-but, only strings or numbers are supported');
  if (strings.length > 0 === numbers.length > 0) fail('Inside anything-but, either all values are numbers or all are strings');
  if (numbers.length > 0) return { op: 'anything-but-number', keys: new Set(numbers.map((n) => numberKey(n, 'anything-but'))) };
  return { op: 'anything-but', tokens: new Set(strings.map((s) => quoted((s as Extract<JsonNode, { kind: 'string' }>).value))) };
}

/** `*` is any run of characters; `\*` and `\\` are a literal star and backslash; `**` is refused. */
function wildcardRegex(value: string): RegExp {
  let source = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (c === '*') {
      if (value[i + 1] === '*') fail(`Consecutive wildcard characters at pos ${i}`);
      source += '[\\s\\S]*';
    } else if (c === '\\') {
      const next = value[i + 1];
      if (next !== '*' && next !== '\\') fail(`Invalid escape character at pos ${i}`);
      source += `\\${next}`;
      i++;
    } else {
      source += c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}

/** event-ruler compares strings with the quotes around them (and without unescaping them). */
function quoted(text: string): string {
  return `"${text}"`;
}
