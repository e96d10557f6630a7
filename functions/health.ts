/**
 * GET /health — liveness for load balancers and humans; public, touches nothing.
 */
import { httpApi, json } from '../lib/http/api';

export const handler = httpApi({ authenticated: false }, async () => json(200, { status: 'ok' }));
