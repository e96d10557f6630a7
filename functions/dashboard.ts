/**
 * GET /dashboard — the live dashboard page (functions/dashboardPage.ts). Public: the page holds no
 * data; it calls GET /stats with the viewer's bearer token. A strict Content-Security-Policy lets
 * only the page's own inline script and style run, and the page talk only to its own origin.
 */
import { createHash } from 'node:crypto';
import { httpApi } from '../lib/http/api';
import { dashboardHtml, dashboardScript, dashboardStyle } from './dashboardPage';

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

export const contentSecurityPolicy = [
  "default-src 'none'",
  `script-src ${sha256(dashboardScript)}`,
  `style-src ${sha256(dashboardStyle)}`,
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const docs = { responses: { 200: { description: 'The dashboard page.', contentType: 'text/html' } } };

export const handler = httpApi({ authenticated: false, docs }, async () => ({
  statusCode: 200,
  headers: {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': contentSecurityPolicy,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'public, max-age=60',
  },
  body: dashboardHtml,
}));
