/**
 * One working example per route, printed by `npm run dev` and shown in README ("Try every route"):
 * both come from this list, and test/dev/examples.test.ts runs every command against the local
 * system and checks each answer. `<order_id>` and `<video_id>` stand for the ids the earlier
 * answers returned.
 */
import { CONSUMER_GROUP, orderPlaced } from '../../events/catalog';

export interface RouteExample {
  /** `METHOD /path` as in serverless.yml. */
  route: string;
  /** The answer, in short: status and body shape, and what follows. */
  answer: string;
  /** Shell command; lines after the first are continuations. */
  command: string[];
}

export const LOCAL_API = '127.0.0.1:3000';

/** Signs a local token (lib/http/local-jwt.ts): every route but /health and /dashboard needs one. */
export const TOKEN_COMMAND = 'TOKEN=$(npm run -s token -- --sub customer-42)';
/** A local token with the operator scope, which operator routes (GET /stats) need. */
export const OPERATOR_TOKEN_COMMAND = 'OPERATOR=$(npm run -s token -- --sub ops-1 --scope kafka-lambda-system/operator)';

const auth = '-H "authorization: Bearer $TOKEN"';
// GET /orders/{id}: a step per consumer group of order.placed, the first one spelled out.
const [firstStep, ...laterSteps] = orderPlaced.consumerGroups;
const orderSteps = [`"${firstStep}":{"status":"reserved","at":…}`, ...laterSteps.map((group) => `"${group}":…`)].join(',');
const json = "-H 'content-type: application/json'";

export const ROUTE_EXAMPLES: RouteExample[] = [
  { route: 'GET /health', answer: '200 {"status":"ok"}', command: [`curl -s ${LOCAL_API}/health`] },
  {
    route: 'POST /checkout',
    answer: '202 {"order_id":"<uuid>"}; inventory, payment, email and analytics each take it (all four within ~0.3 s; ~2 s for the first request)',
    command: [`curl -s -XPOST ${LOCAL_API}/checkout ${auth} ${json} \\`, `     -d '{"items":[{"product_id":"SKU-001","quantity":2,"price":29.99}]}'`],
  },
  {
    route: 'GET /orders/{id}',
    answer: `200 {"order_id":…,"total":59.98,"steps":{${orderSteps}}}`,
    command: [`curl -s ${LOCAL_API}/orders/<order_id> ${auth}`],
  },
  {
    route: 'POST /events',
    answer: '204, no body (one event or an array of up to 500; page_view needs payload.path, search payload.query)',
    command: [
      `curl -s -XPOST ${LOCAL_API}/events ${auth} ${json} \\`,
      `     -d '[{"type":"page_view","session_id":"s-1","payload":{"path":"/pricing"}},{"type":"search","session_id":"s-1","payload":{"query":"kafka"}}]'`,
    ],
  },
  {
    route: 'GET /stats',
    answer:
      '200 with the operator token (403 problem+json with $TOKEN) {"pages":[{"path":"/pricing",…}],"search_terms":…,"totals":…,"orders":{"by_step":…},"videos":{"by_status":…},"consumer_groups":[{"group":…,"lag":0,"dead_letters":0,…}]}',
    command: [`curl -s ${LOCAL_API}/stats -H "authorization: Bearer $OPERATOR"`],
  },
  {
    route: 'GET /dead-letters/{group}',
    answer: `200 {"group":"${CONSUMER_GROUP.inventory}","dead_letters":[{"offset":0,"error_class":…,"error":…,"source":…,"redriven":false,…}]}: the newest 50, each with why it failed`,
    command: [`curl -s ${LOCAL_API}/dead-letters/${CONSUMER_GROUP.inventory} -H "authorization: Bearer $OPERATOR"`],
  },
  {
    route: 'POST /dead-letters/{group}/redrive',
    answer: `200 {"group":"${CONSUMER_GROUP.inventory}","redriven":[…],"already_redriven":[],"not_found":[]}: back on their topic for that group only, each once (or {"offsets":["0:3"]})`,
    command: [`curl -s -XPOST ${LOCAL_API}/dead-letters/${CONSUMER_GROUP.inventory}/redrive -H "authorization: Bearer $OPERATOR" ${json} -d '{"all":true}'`],
  },
  {
    route: 'POST /videos',
    answer: '202 {"video_id":"<uuid>"} (the key must sit under uploads/<your id>/); transcode, thumbnail and search-index follow, one after the other',
    command: [`curl -s -XPOST ${LOCAL_API}/videos ${auth} ${json} -d '{"s3_key":"uploads/customer-42/cat.mp4","size_bytes":1048576}'`],
  },
  {
    route: 'GET /videos/{id}',
    answer: '200 {"status":"uploaded"}, then "transcoded", "ready", "indexed" (~2.5 s after the upload; ~5.5 s for the first), with formats and thumbnail_url',
    command: [`curl -s ${LOCAL_API}/videos/<video_id> ${auth}`],
  },
  {
    route: 'GET /dashboard',
    answer: 'open the printed address: the live dashboard (it polls GET /stats with the token)',
    command: [`echo "http://${LOCAL_API}/dashboard#token=$OPERATOR"`],
  },
  {
    route: 'POST /checkout (no token)',
    answer: '401 application/problem+json {"title":"Unauthorized","detail":"Send a bearer token: …"}: every error is problem+json',
    command: [`curl -s -XPOST ${LOCAL_API}/checkout ${json} -d '{"items":[]}'`],
  },
  {
    route: 'POST /checkout (invalid body)',
    answer: '400 application/problem+json naming each field: {"errors":[{"field":"items.0.quantity",…}]}',
    command: [`curl -s -XPOST ${LOCAL_API}/checkout ${auth} ${json} -d '{"items":[{"product_id":"SKU-001","quantity":0,"price":29.99}]}'`],
  },
];

/** The examples as one shell block: a `# ROUTE → answer` line above each command. */
export function examplesText(indent = ''): string {
  const lines = [
    `${TOKEN_COMMAND}    # a local token: every route but /health and /dashboard needs one`,
    `${OPERATOR_TOKEN_COMMAND}    # GET /stats and the dashboard need the operator scope`,
  ];
  for (const example of ROUTE_EXAMPLES) {
    lines.push(`# ${example.route} → ${example.answer}`, ...example.command);
  }
  return lines.map((line) => `${indent}${line}`).join('\n');
}
