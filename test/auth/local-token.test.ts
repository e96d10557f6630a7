/**
 * `npm run token` signs what the local functions accept, for the issuer and audience that
 * serverless.yml's `local` stage configures.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { decodeJwt } from 'jose';
import { parse } from 'yaml';
import { LOCAL_JWT_AUDIENCE, LOCAL_JWT_ISSUER, verifyLocalToken } from '../../lib/http/local-jwt';
import { OPERATOR_SCOPE, scopesOf } from '../../lib/http/scopes';

const ROOT = resolve(__dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'token-script-'));
const keyFile = join(dir, 'key.json');
const saved = process.env.LOCAL_JWT_KEY_FILE;

afterAll(() => {
  process.env.LOCAL_JWT_KEY_FILE = saved;
  if (saved === undefined) delete process.env.LOCAL_JWT_KEY_FILE;
  rmSync(dir, { recursive: true, force: true });
});

describe('npm run token', () => {
  it('prints only a token, for the given subject, that local verification accepts', async () => {
    const out = execFileSync(join(ROOT, 'node_modules/.bin/tsx'), ['scripts/token.ts', '--sub', 'customer-123'], {
      cwd: ROOT,
      env: { ...process.env, LOCAL_JWT_KEY_FILE: keyFile },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const token = out.trim();
    expect(token.split('.')).toHaveLength(3);
    expect(decodeJwt(token)).toMatchObject({ sub: 'customer-123', iss: LOCAL_JWT_ISSUER, aud: LOCAL_JWT_AUDIENCE });
    process.env.LOCAL_JWT_KEY_FILE = keyFile;
    await expect(verifyLocalToken(token, { issuer: LOCAL_JWT_ISSUER, audience: LOCAL_JWT_AUDIENCE })).resolves.toMatchObject({ sub: 'customer-123' });
    // The generated key is private to its owner.
    expect(statSync(keyFile).mode & 0o077).toBe(0);
    expect(JSON.parse(readFileSync(keyFile, 'utf8')).note).toMatch(/Local development only/);
  });

  it('signs the scopes given with --scope (repeatable), which local verification keeps', async () => {
    const out = execFileSync(
      join(ROOT, 'node_modules/.bin/tsx'),
      ['scripts/token.ts', '--sub', 'ops-1', '--scope', OPERATOR_SCOPE, '--scope', 'openid profile', '--scope', OPERATOR_SCOPE],
      { cwd: ROOT, env: { ...process.env, LOCAL_JWT_KEY_FILE: keyFile }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    );
    process.env.LOCAL_JWT_KEY_FILE = keyFile;
    const claims = await verifyLocalToken(out.trim(), { issuer: LOCAL_JWT_ISSUER, audience: LOCAL_JWT_AUDIENCE });
    expect(claims).toMatchObject({ sub: 'ops-1', scope: `${OPERATOR_SCOPE} openid profile` });
    expect(scopesOf(claims)).toContain(OPERATOR_SCOPE);
  });

  it('uses the issuer and audience of the local stage in serverless.yml', () => {
    const config = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8'), { merge: true }) as {
      params: { local: Record<string, string> };
    };
    expect(config.params.local.jwtIssuer).toBe(LOCAL_JWT_ISSUER);
    expect(config.params.local.jwtAudience).toBe(LOCAL_JWT_AUDIENCE);
  });
});
