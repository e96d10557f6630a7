/**
 * The live dashboard in a real browser (Debian's chromium, headless, driven by playwright-core).
 *
 * A tiny local HTTP server stands in for API Gateway: it routes GET /dashboard, GET /stats and
 * POST /events to the handlers in-process and, like the gateway's JWT authorizer, passes the bearer
 * token's subject as the verified `sub` claim (here the token *is* the subject; no signature).
 * Events are posted over HTTP, the page-views consumer is driven with the records read back from
 * Kafka, and the page must draw the bars. The screenshot lands in test-artifacts/dashboard.png.
 *
 * Needs chromium: `apt-get install -y chromium` (never `npx playwright install`).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { type Browser, chromium, type Page } from 'playwright-core';
import { deadLetterTopicFor, orderPlaced, userEvents } from '../../events/catalog';
import { handler as dashboard } from '../../functions/dashboard';
import { handler as deadLetters } from '../../functions/deadLetters';
import { handler as postEvents } from '../../functions/events';
import { handler as inventory } from '../../functions/inventory';
import { handler as pageViews } from '../../functions/pageViews';
import { handler as redrive } from '../../functions/redrive';
import { disconnectStatsAdmin, handler as stats } from '../../functions/stats';
import { disconnectProducer } from '../../lib/kafka/publisher';
import { closeRedis, keyPrefix, redis } from '../../lib/stores/redis';
import { httpEvent, lambdaContext } from '../support/http';
import { endOffsets, mskEventOf, readRecords, testKafka } from '../support/kafka';
import { CHROMIUM_PATH } from '../support/prerequisites';

const CHROMIUM = CHROMIUM_PATH;
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const ARTIFACT = join(__dirname, '..', '..', 'test-artifacts', 'dashboard.png');

type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
const routes: Record<string, HttpHandler> = {
  'GET /dashboard': dashboard,
  'GET /stats': stats,
  'POST /events': postEvents,
  'GET /dead-letters/{group}': deadLetters,
  'POST /dead-letters/{group}/redrive': redrive,
};

/** The route a request matches, and its path parameters (`{name}` segments). */
function route(method: string, path: string): { handler: HttpHandler; pathParameters: Record<string, string> } | undefined {
  for (const [key, handler] of Object.entries(routes)) {
    const [routeMethod, pattern] = key.split(' ') as [string, string];
    if (routeMethod !== method) continue;
    const names: string[] = [];
    const source = pattern.replace(/\{(\w+)\}/g, (_, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
    const regex = new RegExp(`^${source}$`);
    const match = regex.exec(path);
    if (match) return { handler, pathParameters: Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(match[i + 1] ?? '')])) };
  }
  return undefined;
}

// This file's counters start empty: its own Redis prefix (still under the run's, cleaned at teardown).
process.env.REDIS_PREFIX = `${process.env.REDIS_PREFIX ?? 'test:'}dashboard-${randomUUID().slice(0, 8)}:`;

let server: Server;
let base: string;
let browser: Browser;

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** API Gateway in miniature: route, authorizer (token = subject), payload v2 event, response. */
function startGateway(): Promise<Server> {
  const gateway = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const matched = route(request.method ?? 'GET', url.pathname);
    if (!matched) {
      response.writeHead(404).end();
      return;
    }
    const token = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? null;
    const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]));
    const body = await readBody(request);
    const { handler, pathParameters } = matched;
    const event = httpEvent({ method: request.method ?? 'GET', path: url.pathname, headers, subject: token, pathParameters, ...(body ? { body } : {}) });
    const result = await handler(event, lambdaContext(60_000));
    response.writeHead(result.statusCode ?? 200, result.headers as Record<string, string>).end(result.body ?? '');
  });
  return new Promise((resolve) => gateway.listen(0, '127.0.0.1', () => resolve(gateway)));
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM}: the dashboard test needs Debian's browser. Install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH).`,
    );
  }
  server = await startGateway();
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  // A server that never started has nothing to close (and close's callback would never come).
  if (server) await new Promise((resolve) => server.close(resolve));
  await disconnectStatsAdmin();
  await disconnectProducer();
  await closeRedis();
});

async function postViews(token: string, views: { path: string; count: number }[], run: string): Promise<void> {
  const events = views.flatMap(({ path, count }) =>
    Array.from({ length: count }, (_, i) => ({ type: 'page_view', session_id: `dash-${run}-${i % 3}`, payload: { path } })),
  );
  const response = await fetch(`${base}/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(events),
  });
  expect(response.status).toBe(204);
}

const barCount = (page: Page, path: string) => page.locator(`.row[data-kind="page"][data-name="${path}"] .count`);

test('the dashboard draws page-view bars as events arrive, and shows every group’s lag and dead letters', async () => {
  const run = randomUUID().slice(0, 8);
  const token = `viewer-${run}`;
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const refused: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') refused.push(message.text());
  });
  page.on('pageerror', (error) => refused.push(error.message));

  await page.goto(`${base}/dashboard#token=${token}`);
  await page.waitForSelector('body[data-loaded="true"]');
  // The token left the address bar; the page is empty so far.
  expect(page.url()).toBe(`${base}/dashboard`);
  await expect(page.locator('#pages').textContent()).resolves.toContain('Nothing yet');
  const groupRows = page.locator('#groups tr');
  await expect(groupRows.count()).resolves.toBeGreaterThanOrEqual(7);

  const views = [
    { path: `/dash-${run}/home`, count: 9 },
    { path: `/dash-${run}/pricing`, count: 5 },
    { path: `/dash-${run}/docs`, count: 2 },
  ];
  const since = await endOffsets(userEvents.name);
  await postViews(token, views, run);
  // The page-views group now lags behind: its lag cell turns amber on the next refresh.
  await page.waitForSelector('tr[data-group="page-views"] td.lag.warn');

  const records = (await readRecords(userEvents.name, since)).filter((r) => r.message.key?.toString().startsWith(`dash-${run}-`));
  expect(records).toHaveLength(16);
  expect((await pageViews(mskEventOf(records), lambdaContext(60_000))).batchItemFailures).toEqual([]);

  for (const { path, count } of views) {
    await barCount(page, path).waitFor();
    await expect(barCount(page, path).textContent()).resolves.toBe(String(count));
  }
  // Bars are drawn to scale: the most viewed page has the full width.
  const widths = await page.$$eval('.row[data-kind="page"] .bar', (bars) => bars.map((bar) => (bar as unknown as { style: { width: string } }).style.width));
  expect(widths[0]).toBe('100%');
  expect(await page.locator('#totals').textContent()).toContain('16 page views');

  mkdirSync(join(ARTIFACT, '..'), { recursive: true });
  await page.screenshot({ path: ARTIFACT, fullPage: true });
  expect(existsSync(ARTIFACT)).toBe(true);
  // The Content-Security-Policy let the page's own script and style run and nothing was refused.
  expect(refused).toEqual([]);
  await page.close();
});

test('without a token the page asks for one; a refused token brings the form back', async () => {
  const page = await browser.newPage();
  await page.goto(`${base}/dashboard`);
  await page.locator('#login').waitFor();
  expect(await page.locator('#status').textContent()).toContain('Paste a bearer token');

  // The gateway refuses this token (no valid subject): 401, and the page says so.
  await page.fill('#token', 'x'.repeat(200));
  await page.click('#login button');
  await page.waitForSelector('#status.error >> text=/refused \\(401, it is not valid\\)/');
  expect(await page.locator('#login').isVisible()).toBe(true);
  // The token lives in sessionStorage only, and a refused one is dropped from it.
  const stored = await page.evaluate(() => {
    const storage = globalThis as unknown as Record<'localStorage' | 'sessionStorage', { getItem(key: string): string | null; length: number }>;
    return { session: storage.sessionStorage.getItem('dashboard-token'), local: storage.localStorage.length };
  });
  expect(stored).toEqual({ session: null, local: 0 });
  await page.close();
});

/** A dead letter as another Kafka client would leave it: a valid order, with reason headers, straight on the dead-letter topic. */
async function produceDeadLetter(run: string): Promise<{ eventId: string; orderId: string; productId: string }> {
  const eventId = randomUUID();
  const orderId = randomUUID();
  const productId = `console-${run}`;
  const order = {
    order_id: orderId,
    customer_id: `customer-${run}`,
    items: [{ product_id: productId, quantity: 3, price: 2.5 }],
    total: 7.5,
    created_at: new Date().toISOString(),
  };
  const producer = testKafka().producer();
  await producer.connect();
  await producer.send({
    topic: deadLetterTopicFor('inventory-service'),
    acks: -1,
    messages: [
      {
        key: orderId,
        value: JSON.stringify(order),
        headers: {
          ce_id: eventId,
          ce_type: orderPlaced.eventType,
          ce_source: 'console-test',
          ce_time: order.created_at,
          ce_specversion: '1.0',
          'x-dlq-error': `Warehouse ${run} unreachable`,
          'x-dlq-error-class': 'WarehouseTimeout',
          'x-dlq-topic': orderPlaced.name,
          'x-dlq-partition': '0',
          'x-dlq-offset': '424242',
          'x-dlq-timestamp': String(Date.now()),
          'x-dlq-group': 'inventory-service',
          'x-dlq-attempts': '3',
          'x-dlq-failed-at': new Date().toISOString(),
        },
      },
    ],
  });
  await producer.disconnect();
  return { eventId, orderId, productId };
}

test('the live console: sparklines move under load, and a dead letter shows its reason and is redriven, then processed once (420 px wide)', async () => {
  const run = randomUUID().slice(0, 8);
  const page = await browser.newPage({ viewport: { width: 420, height: 900 } });
  const refused: string[] = [];
  page.on('pageerror', (error) => refused.push(error.message));
  await page.goto(`${base}/dashboard#token=operator-${run}`);
  await page.waitForSelector('body[data-loaded="true"]');
  const spark = page.locator('svg[data-live-group="page-views"]');
  await spark.waitFor();
  const before = await spark.getAttribute('data-points');

  // Load: page views posted and counted for a few seconds, while the page polls.
  for (let round = 0; round < 4; round++) {
    const since = await endOffsets(userEvents.name);
    await postViews(`viewer-${run}`, [{ path: `/console-${run}/${round}`, count: 25 }], `${run}-${round}`);
    const records = (await readRecords(userEvents.name, since)).filter((r) => r.message.key?.toString().startsWith(`dash-${run}-${round}-`));
    expect(records).toHaveLength(25);
    expect((await pageViews(mskEventOf(records), lambdaContext(60_000))).batchItemFailures).toEqual([]);
  }
  await page.waitForFunction(
    (previous) => {
      const doc = (globalThis as unknown as { document: { querySelector(selector: string): { dataset: { points?: string } } | null } }).document;
      const svg = doc.querySelector('svg[data-live-group="page-views"]');
      const points = svg?.dataset.points ?? '';
      return points !== previous && points.split(',').some((v) => Number(v) > 0);
    },
    before,
    { timeout: 15_000 },
  );
  await expect(page.locator('.figures[data-live-group="page-views"]').textContent()).resolves.toMatch(/p50 \d+ ms · p99 \d+ ms/);
  await expect(page.locator('svg[data-live-topic="user.events"]').count()).resolves.toBe(1);

  // A dead letter produced straight to the dead-letter topic appears with its reason.
  const letter = await produceDeadLetter(run);
  const item = page.locator(`li.letter[data-event-id="${letter.eventId}"]`);
  await item.waitFor({ timeout: 30_000 });
  await expect(item.locator('.error-class').textContent()).resolves.toBe('WarehouseTimeout');
  await expect(item.locator('.error').textContent()).resolves.toBe(`Warehouse ${run} unreachable`);

  // Redriven from the console: back on order.placed, for inventory-service only, once.
  const since = await endOffsets(orderPlaced.name);
  await item.locator('button.redrive').click();
  await page.locator(`li.letter.redriven[data-event-id="${letter.eventId}"]`).waitFor({ timeout: 30_000 });
  const redriven = (await readRecords(orderPlaced.name, since)).filter((r) => r.message.headers?.ce_id?.toString() === letter.eventId);
  expect(redriven).toHaveLength(1);
  expect(redriven[0]?.message.headers?.['x-redrive-group']?.toString()).toBe('inventory-service');
  expect(redriven[0]?.message.headers?.['x-dlq-error']).toBeUndefined();

  // Processed once: a second delivery of the same record is skipped.
  for (let delivery = 0; delivery < 2; delivery++) {
    expect((await inventory(mskEventOf(redriven), lambdaContext(60_000))).batchItemFailures).toEqual([]);
  }
  await expect(redis().hget(`${keyPrefix()}inventory:reserved`, letter.productId)).resolves.toBe('3');

  // Usable at 420 px: nothing wider than the screen.
  const width = await page.evaluate(
    () => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth,
  );
  expect(width).toBeLessThanOrEqual(420);
  await page.screenshot({ path: join(ARTIFACT, '..', 'console-420.png'), fullPage: true });
  expect(refused).toEqual([]);
  await page.close();
}, 120_000);
