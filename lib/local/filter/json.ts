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
  const parser = new Parser(text);
  const node = parser.value(0);
  parser.skipSpace();
  // A number glued to a letter (`1a`, `truex`) is as invalid as trailing content.
  if (parser.at < text.length) parser.fail('unexpected content after the JSON value');
  return node;
}

/** A recursive-descent parser over `text`, one method per JSON construct; `at` is the position read. */
class Parser {
  at = 0;

  constructor(private readonly text: string) {}

  fail(what: string): never {
    throw new JsonSyntaxError(`${what} at position ${this.at}`);
  }

  skipSpace(): void {
    const { text } = this;
    while (this.at < text.length) {
      const c = text.charCodeAt(this.at);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
      this.at++;
    }
  }

  value(depth: number): JsonNode {
    if (depth > MAX_DEPTH) this.fail('nesting too deep');
    this.skipSpace();
    const c = this.text[this.at];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return { kind: 'string', value: this.string() };
    for (const literal of ['true', 'false', 'null'] as const) {
      if (this.text.startsWith(literal, this.at)) {
        this.at += literal.length;
        return { kind: 'literal', text: literal };
      }
    }
    NUMBER.lastIndex = this.at;
    const match = NUMBER.exec(this.text);
    if (!match) return this.fail('unexpected character');
    this.at += match[0].length;
    return { kind: 'number', text: match[0] };
  }

  /** Consumes `close` (after optional space) and says whether it was there. */
  private closes(close: string): boolean {
    this.skipSpace();
    if (this.text[this.at] !== close) return false;
    this.at++;
    return true;
  }

  /** After an element: `,` (another follows) or `close` (done). */
  private next(close: string): 'more' | 'done' {
    this.skipSpace();
    const c = this.text[this.at];
    if (c === ',' || c === close) {
      this.at++;
      return c === ',' ? 'more' : 'done';
    }
    return this.fail(`expected ',' or '${close}'`);
  }

  private object(depth: number): JsonNode {
    this.at++;
    const members: [string, JsonNode][] = [];
    if (this.closes('}')) return { kind: 'object', members };
    do {
      this.skipSpace();
      if (this.text[this.at] !== '"') this.fail('expected a member name');
      const name = this.string();
      this.skipSpace();
      if (this.text[this.at] !== ':') this.fail("expected ':'");
      this.at++;
      members.push([name, this.value(depth + 1)]);
    } while (this.next('}') === 'more');
    return { kind: 'object', members };
  }

  private array(depth: number): JsonNode {
    this.at++;
    const items: JsonNode[] = [];
    if (this.closes(']')) return { kind: 'array', items };
    do items.push(this.value(depth + 1));
    while (this.next(']') === 'more');
    return { kind: 'array', items };
  }

  private string(): string {
    const { text } = this;
    this.at++; // opening quote
    let out = '';
    let start = this.at;
    while (true) {
      if (this.at >= text.length) this.fail('unterminated string');
      const c = text.charCodeAt(this.at);
      if (c === 0x22) {
        out += text.slice(start, this.at);
        this.at++;
        return out;
      }
      if (c < 0x20) this.fail('control character in string');
      if (c !== 0x5c) {
        this.at++;
        continue;
      }
      out += text.slice(start, this.at) + this.escape();
      start = this.at;
    }
  }

  /** The character an escape at `at` (a backslash) stands for; moves past it. */
  private escape(): string {
    const e = this.text[this.at + 1] ?? '';
    if (e === 'u') {
      const hex = this.text.slice(this.at + 2, this.at + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('bad \\u escape');
      this.at += 6;
      return String.fromCharCode(Number.parseInt(hex, 16));
    }
    const decoded = ESCAPES[e];
    if (decoded === undefined) this.fail('bad escape');
    this.at += 2;
    return decoded;
  }
}
