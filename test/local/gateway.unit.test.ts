/** The local gateway's own refusals as problem+json, and serverless-offline's chatter at DEBUG. */
import { problemFor, type Refusal } from '../../lib/local/offline-gateway/problems';
import { isChatter, type OfflineLogUtils, quietOfflineLog } from '../../lib/local/offline-gateway/quiet-log';
import { pluginLog } from '../../lib/local/plugin-log';

const refusal = (overrides: Partial<Refusal>): Refusal => ({
  status: 401,
  message: 'Unauthorized',
  method: 'post',
  path: '/checkout',
  hadToken: true,
  ...overrides,
});

describe('problemFor', () => {
  it.each([
    ['no token', refusal({ hadToken: false }), /^Send a bearer token: Authorization: Bearer \$\(npm run -s token\)$/],
    ['a garbage token', refusal({}), /not a JWT/],
    ['an expired token', refusal({ message: 'JWT Token expired' }), /expired\. Sign a new one: npm run -s token/],
    ['a token of another issuer', refusal({ message: 'JWT Token not from correct issuer url' }), /issuer/],
    ['a token for another audience', refusal({ message: 'JWT Token does not contain correct audience' }), /audience/],
  ])('401 for %s, with WWW-Authenticate and what to do', (_case, refused, detail) => {
    const response = problemFor(refused).toResponse();
    expect(response.statusCode).toBe(401);
    expect(response.headers).toEqual({ 'content-type': 'application/problem+json', 'www-authenticate': 'Bearer' });
    const body = JSON.parse(String(response.body)) as { title: string; status: number; detail: string };
    expect(body).toMatchObject({ title: 'Unauthorized', status: 401 });
    expect(body.detail).toMatch(detail);
  });

  it('413 names the route and says to send less', () => {
    const body = JSON.parse(
      String(problemFor(refusal({ status: 413, message: 'Payload content length greater than maximum allowed: 10485760' })).toResponse().body),
    );
    expect(body).toMatchObject({ status: 413, title: 'Content Too Large' });
    expect(body.detail).toContain('POST /checkout');
  });

  it('404 lists the routes there are', () => {
    const body = JSON.parse(
      String(problemFor(refusal({ status: 404, method: 'get', path: '/nope', routes: ['post - /checkout', 'get - /orders/{id}'] })).toResponse().body),
    );
    expect(body.detail).toBe('No route GET /nope. Routes: POST /checkout, GET /orders/{id}');
  });

  it('any other refusal keeps its status and message', () => {
    const body = JSON.parse(String(problemFor(refusal({ status: 415, message: 'Unsupported Media Type' })).toResponse().body));
    expect(body).toMatchObject({ status: 415, title: 'Unsupported Media Type' });
    expect(body.detail).toContain('local gateway');
  });
});

describe('serverless-offline chatter', () => {
  it.each([
    [[]],
    [['POST /checkout (λ: checkout)']],
    [['(λ: inventory) RequestId: 7b6f1f38  Duration: 323.69 ms  Billed Duration: 324 ms']],
    [['Running JWT Authorization function for post /checkout (jwt)']],
    [['JWT Token validated']],
    [['Configuring JWT Authorization: POST /checkout']],
    [[Object.assign(new Error('Invalid JWT'), { code: 'ERR_JWT_INVALID' })]],
  ])('%j is chatter', (args) => {
    expect(isChatter(args)).toBe(true);
  });

  it.each([[['Server ready: http://127.0.0.1:3000 🚀']], [['Starting Offline at stage local (us-east-1)']], [[new Error('listen EADDRINUSE')]]])(
    '%j is shown',
    (args) => {
      expect(isChatter(args)).toBe(false);
    },
  );

  it('goes to DEBUG only: shown with LOG_LEVEL=DEBUG, dropped otherwise', () => {
    const printed: unknown[][] = [];
    const record =
      (level: string) =>
      (...args: unknown[]) =>
        printed.push([level, ...args]);
    const utils: OfflineLogUtils = {
      log: {
        debug: record('debug'),
        error: record('error'),
        info: record('info'),
        notice: record('notice'),
        verbose: record('verbose'),
        warning: record('warning'),
      },
    };
    const quiet = quietOfflineLog(utils, pluginLog('[t]', {}, { LOG_LEVEL: 'INFO' }));
    quiet.log.notice('JWT Token validated');
    quiet.log.notice('Server ready: http://127.0.0.1:3000');
    quiet.log.error(Object.assign(new Error('Invalid JWT'), { code: 'ERR_JWT_INVALID' }));
    expect(printed).toEqual([['notice', 'Server ready: http://127.0.0.1:3000']]);

    printed.length = 0;
    quietOfflineLog(utils, pluginLog('[t]', {}, { LOG_LEVEL: 'DEBUG' })).log.notice('JWT Token validated');
    expect(printed).toEqual([['notice', 'JWT Token validated']]);
  });
});
