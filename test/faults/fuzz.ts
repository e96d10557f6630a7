/**
 * HTTP fuzzing: generated malformed requests against every body-taking route — broken JSON,
 * wrong types, huge strings, deep nesting, wrong content types, invalid UTF-8, missing and
 * forged tokens. Counted by status class.
 */
import autocannon from 'autocannon';
import type { LocalSystem } from './system';

export interface FuzzResult {
  sent: number;
  clientErrors: number;
  serverErrors: number;
  successes: number;
  errors: number;
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
      headers: { 'content-type': pick(['text/plain', 'application/xml', 'multipart/form-data', '']), ...auth },
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
  return (pick(generators) as () => FuzzCase)();
}

export async function fuzzRequests(system: LocalSystem, count: number): Promise<FuzzResult> {
  let i = 0;
  let clientErrors = 0;
  let serverErrors = 0;
  let successes = 0;
  const result = await autocannon({
    url: system.url,
    connections: 10,
    amount: count,
    timeout: 20,
    requests: [
      {
        setupRequest: (request) => {
          const c = fuzzCase(i++, system.token);
          return { ...request, method: 'POST', path: c.path, body: c.body as string, headers: c.headers };
        },
        onResponse: (status) => {
          if (status >= 500) serverErrors++;
          else if (status >= 400) clientErrors++;
          else successes++;
        },
      },
    ],
  });
  return { sent: count, clientErrors, serverErrors, successes, errors: result.errors + result.timeouts };
}
