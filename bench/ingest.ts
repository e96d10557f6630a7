/**
 * Benchmark (not a test): POST /events to an acknowledged Kafka write (acks=-1), side by side in
 * one run:
 *   - through `serverless offline` (autocannon, bearer token; the function verifies it itself
 *     there), next to a bare Node HTTP server doing the same kafkajs send (bench/bare-server.ts),
 *     at the same concurrency — the emulator's figure, reported, not targeted;
 *   - our handler (functions/events.ts) invoked in-process with an HTTP API event (claims in the
 *     event, as after API Gateway's JWT authorizer) by concurrent loops, warm producer, next to a
 *     bare `producer.send` loop with the same producer settings: requests/s ratio (target >= 0.9
 *     of the bare HTTP server's requests/s, and of the bare send loop's) and the handler's
 *     overhead per request in ms (target < 1 ms: median latency at concurrency 1, ours - bare).
 *
 *   npx tsx bench/ingest.ts    # starts the local system; merges section "ingest" into bench/results.json
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { Kafka, type Producer } from 'kafkajs';
import { handler as eventsHandler } from '../functions/events';
import { kafkaConfig } from '../lib/kafka/client';
import { eventHeaders } from '../lib/kafka/headers';
import { disconnectProducer, PRODUCER_CONFIG } from '../lib/kafka/publisher';
import { freePort } from '../lib/local/broker';
import { spawnTied } from '../lib/local/process';
import { log } from '../lib/log';
import { waitFor } from '../test/faults/system';
import { httpEvent, lambdaContext } from '../test/support/http';
import { type BenchRow, recordResults } from './results';
import { acceptedPerSecond, type CannonResult, cannon, dropEmfLines, machineLoad, median, percentile, ROOT, runAlone, system } from './support';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const HTTP_SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 8);
const INPROC_SECONDS = Number(process.env.BENCH_INPROC_SECONDS ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const SESSIONS = 64;

/** The body a browser sends: one page_view event. */
export function eventBody(n: number): string {
  return JSON.stringify({ type: 'page_view', session_id: `bench-session-${n % SESSIONS}`, payload: { path: `/products/${n % 1000}` } });
}

/** Size of the record value our handler publishes for {@link eventBody} (user_id and timestamp added). */
export function eventRecordBytes(): number {
  const value = {
    type: 'page_view',
    user_id: 'bench-user',
    session_id: 'bench-session-42',
    payload: { path: '/products/420' },
    timestamp: new Date().toISOString(),
  };
  return Buffer.byteLength(JSON.stringify(value));
}

const BODIES = Array.from({ length: SESSIONS }, (_, i) => eventBody(i));

async function httpRun(url: string, token: string | undefined, seconds: number): Promise<CannonResult> {
  let n = 0;
  const result = await cannon({
    url,
    connections: CONCURRENCY,
    duration: seconds,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => {
          request.body = BODIES[n++ % SESSIONS];
          return request;
        },
      },
    ],
  });
  if (result.non2xx > 0 || result.errors > 0) {
    console.warn(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors of ${result.requests.sent}`);
  }
  return result;
}

interface LoopRun {
  perSecond: number;
  p50: number;
  p99: number;
  /** CPU time of this process per request (user + system), ms. */
  cpuMs: number;
}

/** `concurrency` loops calling `call` for `seconds`: completed calls per second and latencies. */
async function loops(concurrency: number, seconds: number, call: (n: number) => Promise<void>): Promise<LoopRun> {
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  let n = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const t = performance.now();
        await call(n++);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return {
    perSecond: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    cpuMs: (used.user + used.system) / 1000 / latencies.length,
  };
}

type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/** The same producer as lib/kafka/publisher.ts, on the same client settings. */
async function bareProducer(): Promise<Producer> {
  const producer = new Kafka(kafkaConfig()).producer(PRODUCER_CONFIG);
  await producer.connect();
  return producer;
}

export async function run(): Promise<void> {
  const local = await system();
  process.env.KAFKA_BROKERS = local.kafkaBrokers;
  process.env.LOG_LEVEL = 'WARN';
  log.setLogLevel('WARN');
  delete process.env.IS_OFFLINE;
  const loadBefore = machineLoad();

  // --- Through HTTP: serverless offline vs the bare server, same concurrency, alternating rounds.
  const barePort = await freePort();
  const bare = spawnTied(process.execPath, ['--import', 'tsx', join(__dirname, 'bare-server.ts')], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(barePort), KAFKA_BROKERS: local.kafkaBrokers },
  });
  const bareUrl = `http://127.0.0.1:${barePort}`;
  const offlineUrl = `${local.url}/events`;
  const offline: CannonResult[] = [];
  const bareServer: CannonResult[] = [];
  try {
    await waitFor(
      async () => (await fetch(bareUrl).catch(() => undefined))?.status === 200,
      'bare server up',
      30_000,
      () => bare.output().join('\n'),
    );
    console.log(`ingest over HTTP: ${CONCURRENCY} connections, ${ROUNDS} rounds of ${HTTP_SECONDS} s each (after a 2 s warm-up each)`);
    await httpRun(bareUrl, undefined, 2);
    await httpRun(offlineUrl, local.token, 2);
    for (let round = 1; round <= ROUNDS; round++) {
      bareServer.push(await httpRun(bareUrl, undefined, HTTP_SECONDS));
      offline.push(await httpRun(offlineUrl, local.token, HTTP_SECONDS));
      console.log(
        `round ${round}: bare server ${Math.round(acceptedPerSecond(bareServer.at(-1) as CannonResult))} req/s, serverless offline ${Math.round(acceptedPerSecond(offline.at(-1) as CannonResult))} req/s`,
      );
    }
  } finally {
    await bare.stop(5000);
  }

  // --- In-process: our handler vs a bare producer.send loop, same concurrency, warm producers.
  const handler: HttpHandler = eventsHandler;
  const events = BODIES.map((body) => httpEvent({ method: 'POST', path: '/events', body, subject: 'bench-user' }));
  const context = lambdaContext(600_000);
  const ours = async (n: number) => {
    const response = await handler(events[n % SESSIONS] as APIGatewayProxyEventV2, context);
    if (response.statusCode !== 204) throw new Error(`handler answered ${response.statusCode}: ${response.body}`);
  };
  const producer = await bareProducer();
  const plain = async (n: number) => {
    const timestamp = new Date().toISOString();
    const value = {
      type: 'page_view',
      user_id: 'bench-user',
      session_id: `bench-session-${n % SESSIONS}`,
      payload: { path: `/products/${n % 1000}` },
      timestamp,
    };
    await producer.send({
      topic: 'user.events',
      acks: -1,
      timeout: 5000,
      messages: [
        {
          key: value.session_id,
          value: JSON.stringify(value),
          headers: eventHeaders({ id: randomUUID(), type: 'com.example.user.event', source: 'bench', time: timestamp }),
        },
      ],
    });
  };
  const oursRuns: LoopRun[] = [];
  const plainRuns: LoopRun[] = [];
  const oursSerial: LoopRun[] = [];
  const plainSerial: LoopRun[] = [];
  const restoreStdout = dropEmfLines();
  try {
    console.log(`ingest in-process: ${CONCURRENCY} loops, ${ROUNDS + 1} rounds of ${INPROC_SECONDS} s; then 1 loop, same rounds`);
    await loops(CONCURRENCY, 1, plain);
    await loops(CONCURRENCY, 1, ours);
    for (let round = 1; round <= ROUNDS + 1; round++) {
      plainRuns.push(await loops(CONCURRENCY, INPROC_SECONDS, plain));
      oursRuns.push(await loops(CONCURRENCY, INPROC_SECONDS, ours));
    }
    for (let round = 1; round <= ROUNDS + 1; round++) {
      plainSerial.push(await loops(1, INPROC_SECONDS, plain));
      oursSerial.push(await loops(1, INPROC_SECONDS, ours));
    }
  } finally {
    console.log(`(${restoreStdout()} EMF metric lines of the handler kept out of this output)`);
    await producer.disconnect();
    await disconnectProducer();
  }

  const m = (runs: CannonResult[], pick: (r: CannonResult) => number) => median(runs.map(pick));
  const mm = (runs: LoopRun[], pick: (r: LoopRun) => number) => median(runs.map(pick));
  const offlineRps = m(offline, acceptedPerSecond);
  const bareRps = m(bareServer, acceptedPerSecond);
  const oursRps = mm(oursRuns, (r) => r.perSecond);
  const plainRps = mm(plainRuns, (r) => r.perSecond);
  const overheadMs = mm(oursSerial, (r) => r.p50) - mm(plainSerial, (r) => r.p50);
  const c = `c=${CONCURRENCY}`;
  const rows: BenchRow[] = [
    { name: `serverless offline POST /events req/s (${c})`, value: offlineRps, unit: 'req/s', baseline: { name: 'bare HTTP server', value: bareRps } },
    {
      name: 'serverless offline p50 latency',
      value: m(offline, (r) => r.latency.p50),
      unit: 'ms',
      baseline: { name: 'bare HTTP server', value: m(bareServer, (r) => r.latency.p50) },
    },
    {
      name: 'serverless offline p99 latency',
      value: m(offline, (r) => r.latency.p99),
      unit: 'ms',
      baseline: { name: 'bare HTTP server', value: m(bareServer, (r) => r.latency.p99) },
    },
    {
      name: `handler in-process req/s (${c})`,
      value: oursRps,
      unit: 'req/s',
      baseline: { name: 'bare HTTP server', value: bareRps },
      target: '>= 0.9 x bare HTTP server',
      met: oursRps >= 0.9 * bareRps,
    },
    {
      name: `handler in-process req/s (${c})`,
      value: oursRps,
      unit: 'req/s',
      baseline: { name: 'bare producer.send loop', value: plainRps },
      target: '>= 0.9 x bare send loop',
      met: oursRps >= 0.9 * plainRps,
    },
    {
      name: 'handler in-process p50 latency',
      value: mm(oursRuns, (r) => r.p50),
      unit: 'ms',
      baseline: { name: 'bare send loop', value: mm(plainRuns, (r) => r.p50) },
    },
    {
      name: 'handler in-process p99 latency',
      value: mm(oursRuns, (r) => r.p99),
      unit: 'ms',
      baseline: { name: 'bare send loop', value: mm(plainRuns, (r) => r.p99) },
    },
    {
      name: 'handler overhead per request (c=1, p50 ours - bare)',
      value: overheadMs,
      unit: 'ms',
      baseline: { name: 'bare send p50 (c=1)', value: mm(plainSerial, (r) => r.p50) },
      target: '< 1 ms',
      met: overheadMs < 1,
    },
    {
      name: `CPU per request in-process (${c})`,
      value: mm(oursRuns, (r) => r.cpuMs),
      unit: 'ms CPU',
      baseline: { name: 'bare send loop', value: mm(plainRuns, (r) => r.cpuMs) },
    },
  ];
  recordResults('ingest', rows, {
    concurrency: CONCURRENCY,
    recordValueBytes: eventRecordBytes(),
    httpRoundsReqPerSecond: { offline: offline.map(acceptedPerSecond).map(Math.round), bareServer: bareServer.map(acceptedPerSecond).map(Math.round) },
    inProcessRoundsReqPerSecond: { ours: oursRuns.map((r) => Math.round(r.perSecond)), bareSend: plainRuns.map((r) => Math.round(r.perSecond)) },
    serialP50Ms: { ours: oursSerial.map((r) => r.p50), bareSend: plainSerial.map((r) => r.p50) },
    non2xx: { offline: offline.reduce((s, r) => s + r.non2xx, 0), bareServer: bareServer.reduce((s, r) => s + r.non2xx, 0) },
    notes: [
      'Both sides of each comparison run alternately in the same run on the same broker; medians of the rounds.',
      'serverless offline also runs the Kafka triggers (the two consumer groups of user.events) in the same process, as npm run dev does.',
      'In-process: claims in the event (API Gateway JWT authorizer), IS_OFFLINE unset, so no token verification.',
    ],
    loadBefore,
    loadAfter: machineLoad(),
  });
}

if (require.main === module) runAlone(run);
