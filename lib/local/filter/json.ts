/**
 * A strict JSON parser (RFC 8259) that keeps what `JSON.parse` throws away and Lambda's filter
 * engine looks at: the literal text of numbers (`300` and `300.0` are different strings to it) and
 * every member of an object in document order, duplicates included.
 */

export type JsonNode =
  | { kind: 'object'; members: [string, JsonNode][] }
  | { kind: 'array'; items: JsonNode[] }
  | { kind: 'string'; value: string }
  | { kind: 'number'; text: string }
  | { kind: 'literal'; text: 'true' | 'false' | 'null' };

export class JsonSyntaxError extends Error {
  override name = 'JsonSyntaxError';
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
/** Jackson's default nesting limit (StreamReadConstraints), so deep input fails the same way. */
const MAX_DEPTH = 1000;

/** Parses one JSON document; anything but whitespace after it is an error. */
export function parseJson(text: string): JsonNode {
  let at = 0;
  const fail = (what: string): never => {
    throw new JsonSyntaxError(`${what} at position ${at}`);
  };
  const skipSpace = (): void => {
    while (at < text.length) {
      const c = text.charCodeAt(at);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
      at++;
    }
  };
  const parseString = (): string => {
    at++; // opening quote
    let out = '';
    let start = at;
    while (true) {
      if (at >= text.length) fail('unterminated string');
      const c = text.charCodeAt(at);
      if (c === 0x22) {
        out += text.slice(start, at);
        at++;
        return out;
      }
      if (c < 0x20) fail('control character in string');
      if (c === 0x5c) {
        out += text.slice(start, at);
        const e = text[at + 1] ?? '';
        if (e === 'u') {
          const hex = text.slice(at + 2, at + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('bad \\u escape');
          out += String.fromCharCode(Number.parseInt(hex, 16));
          at += 6;
        } else {
          const decoded = ESCAPES[e];
          if (decoded === undefined) fail('bad escape');
          out += decoded;
          at += 2;
        }
        start = at;
        continue;
      }
      at++;
    }
  };
  const parseValue = (depth: number): JsonNode => {
    if (depth > MAX_DEPTH) fail('nesting too deep');
    skipSpace();
    const c = text[at];
    if (c === '{') {
      at++;
      const members: [string, JsonNode][] = [];
      skipSpace();
      if (text[at] === '}') {
        at++;
        return { kind: 'object', members };
      }
      while (true) {
        skipSpace();
        if (text[at] !== '"') fail('expected a member name');
        const name = parseString();
        skipSpace();
        if (text[at] !== ':') fail("expected ':'");
        at++;
        members.push([name, parseValue(depth + 1)]);
        skipSpace();
        if (text[at] === ',') {
          at++;
          continue;
        }
        if (text[at] === '}') {
          at++;
          return { kind: 'object', members };
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      at++;
      const items: JsonNode[] = [];
      skipSpace();
      if (text[at] === ']') {
        at++;
        return { kind: 'array', items };
      }
      while (true) {
        items.push(parseValue(depth + 1));
        skipSpace();
        if (text[at] === ',') {
          at++;
          continue;
        }
        if (text[at] === ']') {
          at++;
          return { kind: 'array', items };
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return { kind: 'string', value: parseString() };
    for (const literal of ['true', 'false', 'null'] as const) {
      if (text.startsWith(literal, at)) {
        at += literal.length;
        return { kind: 'literal', text: literal };
      }
    }
    NUMBER.lastIndex = at;
    const match = NUMBER.exec(text);
    if (!match) return fail('unexpected character');
    at += match[0].length;
    return { kind: 'number', text: match[0] };
  };
  const node = parseValue(0);
  skipSpace();
  // A number glued to a letter (`1a`, `truex`) is as invalid as trailing content.
  if (at < text.length) fail('unexpected content after the JSON value');
  return node;
}
