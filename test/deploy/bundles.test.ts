/**
 * What each function's deployed bundle contains: built with esbuild as serverless-esbuild builds
 * it for `serverless package` (serverless.yml `custom.esbuild`: options, exclusions and plugins),
 * read from esbuild's metafile. Local-only code (lib/local/**, the local token verifier and its
 * jose) never reaches a Lambda bundle; `serverless offline` bundles keep the verifier.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { parse } from 'yaml';

const ROOT = join(__dirname, '../..');

interface EsbuildSettings {
  bundle: boolean;
  minify: boolean;
  target: string;
  platform: 'node';
  exclude: string[];
  plugins: string;
}

const service = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8'), { merge: true }) as {
  custom: { esbuild: EsbuildSettings };
  functions: Record<string, { handler: string }>;
};
const settings = service.custom.esbuild;

/** The source files in a function's bundle, relative to the project (node_modules/... for packages). */
async function bundledInputs(functionKey: string, command: 'package' | 'offline', outdir?: string): Promise<string[]> {
  const handler = service.functions[functionKey]?.handler ?? '';
  // serverless-esbuild calls a plugins file that exports a function with the `serverless` object.
  const pluginsOf = require(join(ROOT, settings.plugins)) as (serverless: { processedInput: { commands: string[] } }) => Plugin[];
  const result = await build({
    entryPoints: [join(ROOT, `${handler.slice(0, handler.lastIndexOf('.'))}.ts`)],
    bundle: settings.bundle,
    minify: settings.minify,
    target: settings.target,
    platform: settings.platform,
    format: 'cjs',
    external: settings.exclude,
    plugins: pluginsOf({ processedInput: { commands: [command] } }),
    absWorkingDir: ROOT,
    outdir: outdir ?? join(ROOT, '.local/bundles-test'),
    write: outdir !== undefined,
    metafile: true,
    logLevel: 'silent',
  });
  // Packages by their path from node_modules/ (node_modules may be a link to another folder).
  return Object.keys(result.metafile.inputs).map((input) =>
    input.includes('node_modules/') ? input.slice(input.lastIndexOf('node_modules/')) : relative(ROOT, join(ROOT, input)),
  );
}

const LOCAL_ONLY = /^(lib\/local\/|lib\/http\/local-jwt\.ts$|node_modules\/jose\/)/;

jest.setTimeout(60_000);

it('no function bundle built for deployment contains local-only code', async () => {
  const found: Record<string, string[]> = {};
  for (const functionKey of Object.keys(service.functions)) {
    const inputs = await bundledInputs(functionKey, 'package');
    expect(inputs).toContain(`${service.functions[functionKey]?.handler.split('.')[0]}.ts`);
    const local = inputs.filter((input) => LOCAL_ONLY.test(input));
    if (local.length > 0) found[functionKey] = local;
  }
  expect(found).toEqual({});
});

it('the serverless offline bundle of an HTTP function keeps the local token verifier', async () => {
  const inputs = await bundledInputs('checkout', 'offline');
  expect(inputs).toContain('lib/http/local-jwt.ts');
  expect(inputs.some((input) => input.startsWith('node_modules/jose/'))).toBe(true);
});

it('a deployed HTTP function bundle loads: the local verifier is only required when IS_OFFLINE is set', async () => {
  const outdir = mkdtempSync(join(tmpdir(), 'bundle-'));
  try {
    await bundledInputs('checkout', 'package', outdir);
    // As on Lambda: the provider's environment, no IS_OFFLINE; only module initialisation runs.
    const env = { PATH: process.env.PATH, AWS_REGION: 'us-east-1', KAFKA_BROKERS: '127.0.0.1:9', REDIS_URL: 'redis://127.0.0.1:9', LOG_LEVEL: 'WARN' };
    const script = `require(${JSON.stringify(join(outdir, 'checkout.js'))}); process.exit(0)`;
    const { status, stderr } = spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8', timeout: 30_000 });
    // The error line only: the rest of a minified bundle's stack trace is the bundle itself.
    expect({ status, error: stderr.split('\n').find((line) => /^\w*Error:/.test(line)) }).toEqual({ status: 0, error: undefined });
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
});
