/**
 * Load through the HTTP gateway with autocannon, remembering exactly which requests were
 * accepted, so the reconciliation can count what Kafka and every consumer group did with them.
 */
import autocannon from 'autocannon';
import { signLocalToken } from '../../lib/http/local-jwt';

export interface AcceptedCheckout {
  orderId: string;
  productId: string;
}

export interface AcceptedEvent {
  type: 'page_view' | 'search';
  /** The path (page views) or term (searches), unique per request. */
  member: string;
}

export interface LoadResult<A> {
  sent: number;
  accepted: A[];
  /** 4xx answers. */
  rejected: number;
  /** Answers that accepted nothing for sure: 5xx, 503 included (the write may or may not have landed). */
  unavailable: number;
  /** Of those, the ones that were not our 503: function errors and timeouts. */
  serverErrors: number;
  /** Requests that got no answer (connection refused or reset, timeouts). */
  errors: number;
  latencyP50: number;
  latencyP99: number;
  latencyMax: number;
  requestsPerSecond: number;
  durationMs: number;
  /** Answers seen (autocannon may stop before the last in-flight answers arrive). */
  answered: number;
  statuses: Record<number, number>;
}

export interface LoadOptions {
  url: string;
  count: number;
  connections?: number;
  /** Unique per scenario: products, paths and terms carry it, so counts never mix across scenarios. */
  tag: string;
  /** Called after each answer with the number answered so far (fault injection hooks). */
  onProgress?: (answered: number) => void;
}

const CUSTOMERS = 16;

/** Tokens of several customers: orders are keyed by customer, so they spread over partitions. */
export async function customerTokens(): Promise<string[]> {
  return Promise.all(Array.from({ length: CUSTOMERS }, (_, i) => signLocalToken({ sub: `fault-customer-${i}`, expiresIn: '2h' })));
}

interface Slot {
  index: number;
}

async function drive<A>(
  options: LoadOptions,
  path: string,
  body: (i: number) => { json: string; accepted: (responseBody: string) => A | undefined },
  tokens: string[],
): Promise<LoadResult<A>> {
  const accepted: A[] = [];
  let next = 0;
  let answered = 0;
  let rejected = 0;
  let unavailable = 0;
  let serverErrors = 0;
  const pending = new Map<number, (responseBody: string) => A | undefined>();
  const statuses = new Map<number, number>();
  const started = Date.now();
  const result = await autocannon({
    url: options.url,
    connections: options.connections ?? 8,
    amount: options.count,
    timeout: 20,
    requests: [
      {
        method: 'POST',
        path,
        setupRequest: (request, context) => {
          const i = next++;
          const made = body(i);
          (context as Slot).index = i;
          pending.set(i, made.accepted);
          return {
            ...request,
            body: made.json,
            headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[i % tokens.length]}` },
          };
        },
        onResponse: (status, responseBody, context) => {
          const i = (context as Slot).index;
          const accept = pending.get(i);
          pending.delete(i);
          answered++;
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          if (status === 202 || status === 204) {
            const value = accept?.(responseBody);
            if (value !== undefined) accepted.push(value);
          } else if (status >= 400 && status < 500) rejected++;
          else {
            // serverless-offline answers a function error or timeout on an HTTP API route with 200 and
            // the error as body, where API Gateway answers 5xx: count those as the 5xx they are.
            unavailable++;
            if (status !== 503) serverErrors++;
          }
          options.onProgress?.(answered);
        },
      },
    ],
  });
  return {
    sent: options.count,
    accepted,
    rejected,
    unavailable,
    serverErrors,
    errors: result.errors + result.timeouts,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
    latencyMax: result.latency.max,
    requestsPerSecond: result.requests.average,
    durationMs: Date.now() - started,
    answered,
    statuses: Object.fromEntries(statuses),
  };
}

/** POST /checkout, one order per request with a product unique to the request. */
export async function checkoutLoad(options: LoadOptions, tokens: string[]): Promise<LoadResult<AcceptedCheckout>> {
  return drive(
    options,
    '/checkout',
    (i) => {
      const productId = `${options.tag}-p${i}`;
      return {
        json: JSON.stringify({ items: [{ product_id: productId, quantity: 1, price: 1.5 }] }),
        accepted: (responseBody) => {
          const orderId = (JSON.parse(responseBody) as { order_id?: string }).order_id;
          return orderId ? { orderId, productId } : undefined;
        },
      };
    },
    tokens,
  );
}

/** POST /events, alternating a page view of a unique path and a search for a unique term. */
export async function eventsLoad(options: LoadOptions, tokens: string[]): Promise<LoadResult<AcceptedEvent>> {
  return drive(
    options,
    '/events',
    (i) => {
      const event: AcceptedEvent =
        i % 2 === 0 ? { type: 'page_view', member: `/${options.tag}/page-${i}` } : { type: 'search', member: `${options.tag} term ${i}` };
      const payload = event.type === 'page_view' ? { path: event.member } : { query: event.member };
      return { json: JSON.stringify({ type: event.type, session_id: `${options.tag}-session-${i % 40}`, payload }), accepted: () => event };
    },
    tokens,
  );
}
