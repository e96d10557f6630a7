/**
 * HTTP fuzzing: generated malformed requests against every body-taking route — broken JSON,
 * wrong types, huge strings, deep nesting, wrong content types, invalid UTF-8, missing and
 * forged tokens. Counted by status class.
 */
import type { LocalSystem } from './system';

export interface FuzzResult {
  sent: number;
  clientErrors: number;
  serverErrors: number;
  successes: number;
  errors: number;
  /** Requests answered below 400 or above 499, by generator, to replay them. */
  unexpected: Record<string, number>;
  samples: string[];
  /** Answers autocannon counted (all status classes). */
  answered: number;
}

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

interface FuzzCase {
  /** Which generator made it (for reports). */
  kind?: number;
  path: string;
  body: string | Buffer;
  headers: Record<string, string>;
}

export function fuzzCase(i: number, token: string): FuzzCase {
  const next = random(i + 1);
  const pick = <T>(values: T[]): T => values[Math.floor(next() * values.length)] as T;
  const path = pick(['/checkout', '/events', '/videos']);
  const auth = { authorization: `Bearer ${token}` };
  const json = { 'content-type': 'application/json', ...auth };
  const forged = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from('{"sub":"admin","iss":"https://auth.local.invalid/","aud":"kafka-lambda-system-local","exp":9999999999}').toString('base64url')}.`;
  const tamperedToken = `${token.slice(0, -4)}${token.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
  const deep = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
  const generators: (() => FuzzCase)[] = [
    () => ({ path, body: `{"items": [${'{'.repeat(1 + Math.floor(next() * 5))}`, headers: json }),
    () => ({ path, body: JSON.stringify({ items: [{ product_id: next(), quantity: 'many', price: [] }] }), headers: json }),
    () => ({ path, body: JSON.stringify({ type: 42, session_id: null, payload: { a: { b: 1 } } }), headers: json }),
    () => ({ path, body: JSON.stringify({ items: [{ product_id: 'x'.repeat(1000 + Math.floor(next() * 60_000)), quantity: 1, price: 1 }] }), headers: json }),
    () => ({ path, body: JSON.stringify({ s3_key: 'k', size_bytes: -1 - Math.floor(next() * 1e6) }), headers: json }),
    () => ({ path, body: deep(1000 + Math.floor(next() * 20_000)), headers: json }),
    () => ({
      path,
      body: JSON.stringify({ items: [{ product_id: 'p', quantity: 1, price: 1 }] }),
      headers: { 'content-type': pick(['text/plain', 'application/xml', 'multipart/form-data', 'application/x-www-form-urlencoded']), ...auth },
    }),
    () => ({ path, body: Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0xa0, 0xa1, 0x22, 0x3a, 0x31, 0x7d]), headers: json }),
    () => ({ path, body: JSON.stringify({ items: [{ product_id: 'p', quantity: 1, price: 1 }] }), headers: { 'content-type': 'application/json' } }),
    () => ({
      path,
      body: JSON.stringify({ items: [{ product_id: 'p', quantity: 1, price: 1 }] }),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${forged}` },
    }),
    () => ({
      path,
      body: JSON.stringify({ items: [{ product_id: 'p', quantity: 1, price: 1 }] }),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tamperedToken}` },
    }),
    () => ({
      path,
      body: JSON.stringify({ items: [{ product_id: 'p', quantity: 1, price: 1 }] }),
      headers: { 'content-type': 'application/json', authorization: pick(['Bearer', 'Basic YTpi', 'Bearer a.b.c', 'x'.repeat(5000)]) },
    }),
    () => ({ path, body: 'x'.repeat(70_000 + Math.floor(next() * 600_000)), headers: json }),
    () => ({
      path,
      body: JSON.stringify(Array.from({ length: 501 + Math.floor(next() * 50) }, () => ({ type: 'click', session_id: 's', payload: {} }))),
      headers: json,
    }),
    () => ({ path, body: JSON.stringify({ items: [{ product_id: 'p', quantity: 1e308, price: -0.0 }], __proto__: { admin: true } }), headers: json }),
    () => ({ path, body: '', headers: json }),
    () => ({ path, body: 'null', headers: json }),
    () => ({ path, body: JSON.stringify({ type: 'page_view', session_id: 's', payload: { path: 1 } }), headers: json }),
  ];
  const kind = Math.floor(next() * generators.length);
  return { ...(generators[kind] as () => FuzzCase)(), kind };
}

/**
 * Sends `count` fuzz cases, 10 at a time, with Node's own HTTP client: every request's answer is
 * counted (a load generator may drop answers to requests whose bodies the server refused early).
 */
export async function fuzzRequests(system: LocalSystem, count: number): Promise<FuzzResult> {
  const result: FuzzResult = { sent: 0, clientErrors: 0, serverErrors: 0, successes: 0, errors: 0, unexpected: {}, samples: [], answered: 0 };
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const c = fuzzCase(next++, system.token);
      result.sent++;
      try {
        const response = await fetch(`${system.url}${c.path}`, { method: 'POST', body: c.body, headers: c.headers, signal: AbortSignal.timeout(20_000) });
        const body = await response.text();
        result.answered++;
        const status = response.status;
        if (status >= 500) result.serverErrors++;
        else if (status >= 400) result.clientErrors++;
        else result.successes++;
        if (status < 400 || status >= 500) {
          const kind = `${c.kind}:${c.path}:${status}`;
          result.unexpected[kind] = (result.unexpected[kind] ?? 0) + 1;
          if (result.samples.length < 5) result.samples.push(`${kind} ${body.slice(0, 300)}`);
        }
      } catch (error) {
        result.errors++;
        if (result.samples.length < 5) result.samples.push(`${c.kind}:${c.path}: ${(error as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: 10 }, worker));
  return result;
}
