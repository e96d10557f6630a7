/**
 * `npm run token -- [--sub customer-123] [--scope <scope>]... [--expires 12h] [--aud <audience>]`:
 * prints a bearer token signed with the local dev key (lib/http/local-jwt.ts), for `npm run dev`:
 *
 *   TOKEN=$(npm run -s token -- --sub customer-42)
 *   curl -H "authorization: Bearer $TOKEN" http://127.0.0.1:3000/orders/<id>
 *   OPERATOR=$(npm run -s token -- --sub ops-1 --scope kafka-lambda-system/operator)   # GET /stats, the dashboard
 *
 * Local only: deployed stages accept tokens of the identity provider named by `jwtIssuer`.
 */
import { LOCAL_JWT_AUDIENCE, LOCAL_JWT_ISSUER, localKeyFile, signLocalToken } from '../lib/http/local-jwt';
import { OPERATOR_SCOPE } from '../lib/http/scopes';

const USAGE = `usage: npm run token -- [--sub <subject>] [--scope <scope>]... [--expires <12h|30m|seconds>] [--aud <audience>]
  --scope ${OPERATOR_SCOPE}   needed by operator routes (GET /stats, the dashboard)`;

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  if (!value || value.startsWith('--')) throw new Error(`${name} needs a value\n${USAGE}`);
  return value;
}

/** Every `--scope <value>` (each value may hold several, space-separated), in order. */
function scopeOptions(args: string[]): string[] {
  const scopes: string[] = [];
  args.forEach((arg, i) => {
    if (arg !== '--scope') return;
    const value = args[i + 1];
    if (!value || value.startsWith('--')) throw new Error(`--scope needs a value\n${USAGE}`);
    scopes.push(...value.split(/\s+/).filter(Boolean));
  });
  return [...new Set(scopes)];
}

async function main(args: string[]): Promise<void> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return;
  }
  const sub = option(args, '--sub') ?? 'customer-123';
  const expires = option(args, '--expires') ?? '12h';
  const audience = option(args, '--aud') ?? LOCAL_JWT_AUDIENCE;
  const scopes = scopeOptions(args);
  const token = await signLocalToken({
    sub,
    expiresIn: /^\d+$/.test(expires) ? Number(expires) : expires,
    audience,
    ...(scopes.length > 0 ? { claims: { scope: scopes.join(' ') } } : {}),
  });
  // The token alone on stdout, so `$(npm run -s token)` works; the rest on stderr.
  process.stdout.write(`${token}\n`);
  const granted = scopes.length > 0 ? `, scope="${scopes.join(' ')}"` : '';
  process.stderr.write(`Signed for sub=${sub}${granted}, iss=${LOCAL_JWT_ISSUER}, aud=${audience}, valid ${expires} (key: ${localKeyFile()})\n`);
}

main(process.argv.slice(2)).catch((error: Error) => {
  console.error(error.message);
  process.exitCode = 1;
});
