/**
 * The local gateway's own refusals (serverless-offline answers them before any function runs) as
 * the same `application/problem+json` the functions answer, with a detail saying what to do.
 *
 * On AWS these come from API Gateway itself, in its own shape: `401 {"message":"Unauthorized"}`
 * with a `www-authenticate` header naming the reason
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-troubleshooting-jwt.html),
 * `413 {"message":"Request Entity Too Large"}` above the 10 MB payload quota
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html) and
 * `404 {"message":"Not Found"}` for a route the API does not have.
 */
import { LOCAL_TOKEN_HINT, unauthorized } from '../../http/identity';
import { HttpProblem } from '../../http/problem';

/** What serverless-offline refused, as hapi hands it over. */
export interface Refusal {
  status: number;
  /** serverless-offline's message (the JWT check's reason for a 401). */
  message: string;
  method: string;
  path: string;
  /** Whether the request carried an Authorization header. */
  hadToken: boolean;
  /** Routes serverless-offline lists with its 404. */
  routes?: string[];
}

/** serverless-offline's JWT check reasons (createJWTAuthScheme.js) and what the caller should do. */
const TOKEN_REASONS: [RegExp, string][] = [
  [/expired/i, 'Invalid token: it has expired. Sign a new one: npm run -s token'],
  [/issuer/i, 'Invalid token: not issued by the local issuer. Sign one with: npm run -s token'],
  [/audience/i, 'Invalid token: not for this API (audience). Sign one with: npm run -s token'],
  [/scope/i, 'Invalid token: it lacks the scope this route needs'],
];

export function problemFor(refusal: Refusal): HttpProblem {
  const route = `${refusal.method.toUpperCase()} ${refusal.path}`;
  switch (refusal.status) {
    case 401: {
      if (!refusal.hadToken) return unauthorized(LOCAL_TOKEN_HINT);
      const reason = TOKEN_REASONS.find(([pattern]) => pattern.test(refusal.message));
      return unauthorized(reason?.[1] ?? `Invalid token: not a JWT. ${LOCAL_TOKEN_HINT}`);
    }
    case 413:
      return new HttpProblem(
        413,
        'Content Too Large',
        `The body is over the gateway's limit (10 MiB; 10 MB on API Gateway). ${route} takes far less: send a smaller body`,
      );
    case 404: {
      const routes = (refusal.routes ?? []).map((r) => r.replace(/^(\w+) - /, (_, m: string) => `${m.toUpperCase()} `));
      return new HttpProblem(404, 'Not Found', `No route ${route}${routes.length > 0 ? `. Routes: ${routes.join(', ')}` : ''}`);
    }
    default:
      return new HttpProblem(refusal.status, titleOf(refusal.status), `${refusal.message} (answered by the local gateway for ${route})`);
  }
}

function titleOf(status: number): string {
  const titles: Record<number, string> = { 400: 'Bad Request', 403: 'Forbidden', 405: 'Method Not Allowed', 415: 'Unsupported Media Type', 502: 'Bad Gateway' };
  return titles[status] ?? (status >= 500 ? 'Internal Server Error' : 'Bad Request');
}
