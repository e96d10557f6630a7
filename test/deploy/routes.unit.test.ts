/** The deploy plugin refuses an HTTP route without the JWT authorizer unless it is listed as public. */
import { checkRoutesAuthorized } from '../../lib/deploy/routes';

const settings = { publicRoutes: ['GET /health'] };

describe('checkRoutesAuthorized', () => {
  it('accepts authorized routes and listed public ones', () => {
    expect(() =>
      checkRoutesAuthorized(
        {
          health: { events: [{ httpApi: { method: 'get', path: '/health' } }] },
          checkout: { events: [{ httpApi: { method: 'POST', path: '/checkout', authorizer: { name: 'jwt' } } }, { msk: {} }] },
        },
        settings,
      ),
    ).not.toThrow();
  });

  it('refuses a route that has no authorizer and is not public, naming route and function', () => {
    expect(() => checkRoutesAuthorized({ stats: { events: [{ httpApi: { method: 'GET', path: '/stats' } }] } }, settings)).toThrow(
      'HTTP route "GET /stats" (function "stats") has no authorizer',
    );
  });
});
