/** The local stage's Redis prefix that `npm run reset` clears is the one serverless.yml gives the functions. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DEV_REDIS_PREFIX } from '../../lib/local/dev-data';

it('DEV_REDIS_PREFIX is serverless.yml REDIS_PREFIX for the local stage', () => {
  const config = parse(readFileSync(join(__dirname, '../../serverless.yml'), 'utf8')) as {
    service: string;
    provider: { environment: { REDIS_PREFIX: string } };
  };
  const resolved = config.provider.environment.REDIS_PREFIX.replace(/\$\{self:service\}/, config.service).replace(/\$\{sls:stage\}/, 'local');
  expect(resolved).toBe(DEV_REDIS_PREFIX);
});
