/**
 * The first ten minutes: `npm run dev` (scripts/dev.ts itself, on free ports, against a fresh
 * broker of its own, as on a fresh clone: no records other tests left behind) answers every example of README and of its banner as they say, prints no ERROR or
 * WARN while starting and serving them, and answers the gateway's own refusals (missing, garbage
 * and expired tokens, unknown routes) as problem+json.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { z } from 'zod';
import { signLocalToken } from '../../lib/http/local-jwt';
import { topicSpecs } from '../../lib/kafka/topics';
import { type RunningBroker, startBroker } from '../../lib/local/broker';
import { LOCAL_API, OPERATOR_TOKEN_COMMAND, ROUTE_EXAMPLES, TOKEN_COMMAND } from '../../lib/local/examples';
import { readSpans } from '../../lib/local/span-store';
import { type DevSystem, ROOT, startDev } from '../support/dev-system';

const run = promisify(execFile);
let broker: RunningBroker;
let dev: DevSystem;
let token: string;
let operator: string;
/** Output lines printed before the examples ran: the start-up. */
let startup: string[];

// This file's Redis keys start empty: its own prefix, still under the run's (removed at teardown).
const REDIS_PREFIX = `${process.env.REDIS_PREFIX ?? 'test:'}dev-examples-${randomUUID().slice(0, 8)}:`;

beforeAll(async () => {
  // signLocalToken below signs with the developer's key too, as the functions under dev verify.
  delete process.env.LOCAL_JWT_KEY_FILE;
  // LOG_LEVEL as a developer has it (the test run's is SILENT): every INFO, WARN and ERROR line shows.
  broker = await startBroker();
  dev = await startDev({ KAFKA_BROKERS: broker.brokers, REDIS_PREFIX, LOG_LEVEL: 'INFO' });
  startup = [...dev.output];
  token = (await shell(`${TOKEN_COMMAND} && printf %s "$TOKEN"`)).stdout;
  operator = (await shell(`${OPERATOR_TOKEN_COMMAND} && printf %s "$OPERATOR"`)).stdout;
}, 180_000);

afterAll(async () => {
  await dev?.stop();
  await broker?.stop();
});

/** A command as a developer runs it: in the project, with the developer's local token key. */
async function shell(command: string, env: Record<string, string> = {}) {
  const { LOCAL_JWT_KEY_FILE: _testKey, ...inherited } = process.env;
  return run('bash', ['-c', command], { cwd: ROOT, env: { ...inherited, ...env } });
}

interface Answer {
  status: number;
  contentType: string;
  body: string;
}

/** Runs an example's curl as printed (host and ids substituted), adding only `-w` to read the status. */
async function curl(command: string[], ids: Record<string, string> = {}): Promise<Answer> {
  let text = command.join('\n').replaceAll(LOCAL_API, dev.base.replace('http://', ''));
  for (const [placeholder, id] of Object.entries(ids)) text = text.replaceAll(placeholder, id);
  const { stdout } = await shell(`${text} -w '\\n%{http_code} %{content_type}'`, { TOKEN: token, OPERATOR: operator });
  const lines = stdout.split('\n');
  const [status, contentType] = (lines.pop() ?? '').split(' ');
  return { status: Number(status), contentType: contentType ?? '', body: lines.join('\n') };
}

function example(route: string): string[] {
  const found = ROUTE_EXAMPLES.find((e) => e.route === route);
  if (!found) throw new Error(`no example for ${route}`);
  return found.command;
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: last answer ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const uuid = z.string().uuid();
const problem = z.object({ type: z.string(), title: z.string(), status: z.number(), detail: z.string().min(10) });
const json = (answer: Answer) => JSON.parse(answer.body) as unknown;

/** Lines a newcomer would read as a failure: ERROR/WARN logs, warnings, stack traces. */
function alarming(lines: string[]): string[] {
  return lines.filter((line) => /"level":"(ERROR|WARN)"|\b(ERROR|WARN|WARNING)\b|^\s*(Warning|Error)\b|^\s+at \S+ \(|^\s*×/.test(line));
}

describe('README examples against npm run dev', () => {
  let orderId: string;
  let videoId: string;

  it('signs a token with the printed command', () => {
    expect(token.split('.')).toHaveLength(3);
  });

  it('GET /health answers 200 {"status":"ok"}', async () => {
    const answer = await curl(example('GET /health'));
    expect(answer.status).toBe(200);
    expect(json(answer)).toEqual({ status: 'ok' });
  });

  it('POST /checkout answers 202 with an order id, and GET /orders/{id} shows all four steps', async () => {
    const placed = await curl(example('POST /checkout'));
    expect(placed.status).toBe(202);
    orderId = z.object({ order_id: uuid }).parse(json(placed)).order_id;

    const steps = z.object({ status: z.string(), at: z.string() });
    const order = z.object({
      order_id: z.literal(orderId),
      customer_id: z.literal('customer-42'),
      total: z.literal(59.98),
      steps: z.record(z.string(), steps),
    });
    const answer = await eventually(
      () => curl(example('GET /orders/{id}'), { '<order_id>': orderId }),
      (a) => a.status === 200 && Object.keys(order.parse(json(a)).steps).length === 4,
      'four steps of the order',
    );
    expect(Object.keys(order.parse(json(answer)).steps).sort()).toEqual(['analytics-service', 'email-service', 'inventory-service', 'payment-service']);
    expect(order.parse(json(answer)).steps['inventory-service']?.status).toBe('reserved');
  });

  it("keeps the checkout's spans for npm run trace: the gateway function and the four consumers", async () => {
    const traceId = z.object({ trace_id: z.string() }).parse(json(await curl(example('GET /orders/{id}'), { '<order_id>': orderId }))).trace_id;
    const functions = await eventually(
      async () => [...new Set(readSpans(dev.traceFile).flatMap((span) => (span.traceId === traceId && span.functionName ? [span.functionName] : [])))].sort(),
      (names) => names.length >= 5,
      "functions in the checkout's trace",
    );
    expect(functions.map((name) => name.replace(/^kafka-lambda-system-local-/, ''))).toEqual(['analytics', 'checkout', 'email', 'inventory', 'payment']);
  });

  it('POST /events answers 204 and GET /stats counts the page view', async () => {
    const sent = await curl(example('POST /events'));
    expect(sent.status).toBe(204);
    expect(sent.body).toBe('');

    const stats = z.object({
      pages: z.array(z.object({ path: z.string(), views: z.number() })),
      search_terms: z.array(z.object({ term: z.string(), searches: z.number() })),
      totals: z.object({ page_views: z.number(), searches: z.number() }),
      orders: z.object({ by_step: z.array(z.unknown()) }),
      videos: z.object({ by_status: z.unknown() }),
      consumer_groups: z.array(z.object({ group: z.string(), lag: z.number().nullable(), dead_letters: z.number().nullable() })),
    });
    const answer = await eventually(
      () => curl(example('GET /stats')),
      // Each of the two groups counts at its own pace (after any records other tests left on the topic).
      (a) => {
        if (a.status !== 200) return false;
        const body = stats.parse(json(a));
        return body.search_terms.some((t) => t.term === 'kafka') && body.pages.some((p) => p.path === '/pricing');
      },
      'the page view and the search counted',
    );
    const body = stats.parse(json(answer));
    expect(body.pages.find((p) => p.path === '/pricing')?.views).toBeGreaterThanOrEqual(1);
    expect(body.consumer_groups.map((g) => g.group)).toEqual(expect.arrayContaining(['inventory-service', 'page-views', 'search-index-service']));
  });

  it('GET /dead-letters/{group} lists a group’s dead letters, and POST …/redrive redrives them', async () => {
    const listed = await curl(example('GET /dead-letters/{group}'));
    expect(listed.status).toBe(200);
    const list = z.object({
      group: z.literal('inventory-service'),
      dead_letters: z.array(z.object({ offset: z.number(), error: z.string(), redriven: z.boolean() })),
    });
    list.parse(json(listed));
    const redriven = await curl(example('POST /dead-letters/{group}/redrive'));
    expect(redriven.status).toBe(200);
    const report = z.object({
      group: z.literal('inventory-service'),
      redriven: z.array(z.unknown()),
      already_redriven: z.array(z.number()),
      not_found: z.array(z.number()),
    });
    expect(report.parse(json(redriven)).not_found).toEqual([]);
  });

  it('POST /videos answers 202 and GET /videos/{id} goes uploaded → transcoded → ready → indexed', async () => {
    const uploaded = await curl(example('POST /videos'));
    expect(uploaded.status).toBe(202);
    videoId = z.object({ video_id: uuid }).parse(json(uploaded)).video_id;

    const video = z.object({ video_id: z.literal(videoId), status: z.enum(['uploaded', 'transcoded', 'ready', 'indexed']) });
    const seen = new Set<string>();
    const answer = await eventually(
      async () => {
        const a = await curl(example('GET /videos/{id}'), { '<video_id>': videoId });
        if (a.status === 200) seen.add(video.parse(json(a)).status);
        return a;
      },
      (a) => a.status === 200 && video.parse(json(a)).status === 'indexed',
      'the video indexed',
    );
    const indexed = z
      .object({
        formats: z.array(z.string()).min(1),
        thumbnail_url: z.string(),
        steps: z.object({ uploaded: z.string(), transcoded: z.string(), ready: z.string(), indexed: z.string() }),
      })
      .parse(json(answer));
    expect(indexed.formats).toContain('720p');
    // The README's statuses are the ones the pipeline goes through (some may pass between two polls).
    expect([...seen].every((status) => ['uploaded', 'transcoded', 'ready', 'indexed'].includes(status))).toBe(true);
  });

  it('GET /dashboard: the printed address serves the page', async () => {
    const { stdout } = await shell(example('GET /dashboard').join('\n').replaceAll(LOCAL_API, dev.base.replace('http://', '')), {
      TOKEN: token,
      OPERATOR: operator,
    });
    const address = stdout.trim();
    expect(address).toBe(`${dev.base}/dashboard#token=${operator}`);
    const page = await fetch(address);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  });

  it('POST /checkout without a token answers 401 problem+json saying how to get one', async () => {
    const answer = await curl(example('POST /checkout (no token)'));
    expect(answer.status).toBe(401);
    expect(answer.contentType).toBe('application/problem+json');
    expect(problem.parse(json(answer)).detail).toContain('npm run -s token');
  });

  it('POST /checkout with an invalid body answers 400 problem+json naming the field', async () => {
    const answer = await curl(example('POST /checkout (invalid body)'));
    expect(answer.status).toBe(400);
    expect(answer.contentType).toBe('application/problem+json');
    const body = problem.extend({ errors: z.array(z.object({ field: z.string(), message: z.string() })) }).parse(json(answer));
    expect(body.errors.map((e) => e.field)).toContain('items.0.quantity');
  });
});

describe('the local gateway refuses in the one error shape', () => {
  const checkout = (headers: Record<string, string>, body = '{"items":[{"product_id":"SKU-1","quantity":1,"price":1}]}') =>
    fetch(`${dev.base}/checkout`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  it.each([
    ['a missing token', async () => ({}), /npm run -s token/],
    ['a garbage token', async () => ({ authorization: 'Bearer garbage' }), /not a JWT/],
    [
      'an expired token',
      async () => ({ authorization: `Bearer ${await signLocalToken({ sub: 'c', issuedAt: Math.floor(Date.now() / 1000) - 7200, expiresIn: 3600 })}` }),
      /expired/,
    ],
  ])('answers %s with 401 problem+json', async (_case, headers, detail) => {
    const response = await checkout(await headers());
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    const body = problem.parse(await response.json());
    expect(body).toMatchObject({ status: 401, title: 'Unauthorized' });
    expect(body.detail).toMatch(detail);
  });

  it('answers a body over the gateway limit with 413 problem+json', async () => {
    const response = await checkout({ authorization: `Bearer ${token}` }, 'x'.repeat(10 * 1024 * 1024 + 1));
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(problem.parse(await response.json()).detail).toMatch(/smaller body/);
  });

  it('answers an unknown route with 404 problem+json listing the routes', async () => {
    const response = await fetch(`${dev.base}/nope`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(problem.parse(await response.json()).detail).toContain('POST /checkout');
  });
});

describe('a quiet, healthy start', () => {
  it('starts without an ERROR or WARN line, and says how to try every route', () => {
    // A fresh broker: every catalog topic created, and no Maven escape codes on the line.
    expect(startup).toContain(`Topics: ${topicSpecs({ replicationFactor: 1 }).length} created, 0 updated, 0 unchanged`);
    expect(alarming(startup)).toEqual([]);
    // serverless-offline's route table is left out: the banner shows every route with an example.
    expect(startup.filter((line) => line.includes('┌'))).toEqual([]);
    for (const { command } of ROUTE_EXAMPLES) expect(startup.join('\n')).toContain(command[0]?.replaceAll(LOCAL_API, dev.base.replace('http://', '')));
  });

  it('prints no ERROR or WARN line for the examples and the refusals, and one line per request', async () => {
    expect((await curl(example('POST /checkout'))).status).toBe(202);
    expect(alarming(dev.output)).toEqual([]);
    // serverless-offline's own per-request lines are gone; the gateway prints one per request.
    expect(dev.output.filter((line) => /\(λ: checkout\)|Running JWT Authorization/.test(line))).toEqual([]);
    expect(dev.output.some((line) => /^\[gateway\] POST \/checkout -> 202 \d+ ms \(λ checkout\)$/.test(line))).toBe(true);
  });
});
