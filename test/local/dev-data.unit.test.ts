/** The local stage's Redis prefix that `npm run reset` clears is the one serverless.yml gives the functions. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DEV_REDIS_PREFIX } from '../../lib/local/dev-data';

it('DEV_REDIS_PREFIX is the local stage redisPrefix of serverless.yml (its default when REDIS_PREFIX is unset)', () => {
  const config = parse(readFileSync(join(__dirname, '../../serverless.yml'), 'utf8')) as {
    params: { local: { redisPrefix: string } };
    provider: { environment: { REDIS_PREFIX: string } };
  };
  expect(config.provider.environment.REDIS_PREFIX).toMatch(/^\$\{param:redisPrefix\}$/);
  const fallback = /^\$\{env:REDIS_PREFIX, '([^']+)'\}$/.exec(config.params.local.redisPrefix)?.[1];
  expect(fallback).toBe(DEV_REDIS_PREFIX);
});
