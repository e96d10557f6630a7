/**
 * GET /health — liveness for load balancers and humans; public, touches nothing.
 */
import { httpApi, json } from '../lib/http/api';

export const handler = httpApi({ authenticated: false, docs: { responses: { 200: { description: '`{"status":"ok"}`' } } } }, async () =>
  json(200, { status: 'ok' }),
);
