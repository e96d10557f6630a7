/**
 * `npm run token -- [--sub customer-123] [--expires 12h] [--aud <audience>]`: prints a bearer
 * token signed with the local dev key (lib/http/local-jwt.ts), for `npm run dev`:
 *
 *   TOKEN=$(npm run -s token -- --sub customer-42)
 *   curl -H "authorization: Bearer $TOKEN" http://127.0.0.1:3000/orders/<id>
 *
 * Local only: deployed stages accept tokens of the identity provider named by `jwtIssuer`.
 */
import { LOCAL_JWT_AUDIENCE, LOCAL_JWT_ISSUER, localKeyFile, signLocalToken } from '../lib/http/local-jwt';

const USAGE = 'usage: npm run token -- [--sub <subject>] [--expires <12h|30m|seconds>] [--aud <audience>]';

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  if (!value || value.startsWith('--')) throw new Error(`${name} needs a value\n${USAGE}`);
  return value;
}

async function main(args: string[]): Promise<void> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return;
  }
  const sub = option(args, '--sub') ?? 'customer-123';
  const expires = option(args, '--expires') ?? '12h';
  const audience = option(args, '--aud') ?? LOCAL_JWT_AUDIENCE;
  const token = await signLocalToken({ sub, expiresIn: /^\d+$/.test(expires) ? Number(expires) : expires, audience });
  // The token alone on stdout, so `$(npm run -s token)` works; the rest on stderr.
  process.stdout.write(`${token}\n`);
  process.stderr.write(`Signed for sub=${sub}, iss=${LOCAL_JWT_ISSUER}, aud=${audience}, valid ${expires} (key: ${localKeyFile()})\n`);
}

main(process.argv.slice(2)).catch((error: Error) => {
  console.error(error.message);
  process.exitCode = 1;
});
