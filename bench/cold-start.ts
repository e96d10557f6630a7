/**
 * Benchmark (not a test): cold start of every function as deployed. `serverless package` (offline,
 * dummy credentials) builds the zips with serverless-esbuild; for each function: the zip's size,
 * the unzipped handler .js size, and its module initialisation time as deployed — `require` of the
 * bundle unzipped from its deployment zip, in a fresh node process with the function's NODE_OPTIONS
 * (--enable-source-maps) and the AWS SDK resolvable as from the Lambda runtime's own copy — median
 * of RUNS, next to the same figure for an empty module. Targets: < 1 MB; < 150 ms for a consumer
 * (issue 14), < 300 ms for the others; and a consumer's stack trace still names its TypeScript
 * source. Baseline for the init target: the heaviest consumer built as before issue 14 (maps with
 * `sourcesContent`).
 *
 * Baseline for size, in the same run: each function bundled by esbuild with serverless.yml's
 * options but without the zod English-only plugin (lib/deploy/esbuild-zod-english.cjs; the
 * local-only one, lib/deploy/esbuild-local-only.cjs, stays).
 *
 *   npx tsx bench/cold-start.ts    # merges section "coldStart"
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { type BenchRow, recordResults } from './results';
import { machineLoad, median, ROOT, runAlone } from './support';

const RUNS = Number(process.env.BENCH_INIT_RUNS ?? 5);
const SERVERLESS = join(ROOT, 'node_modules/serverless/bin/serverless.js');
const KB = 1024;
// The deployed bundles leave local-only modules out; so does the baseline.
const { localOnly } = require('../lib/deploy/esbuild-local-only.cjs') as { localOnly(options: { offline: boolean }): unknown[] };

function serverlessPackage(dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [SERVERLESS, 'package', '--stage', 'local', '--package', join(dir, 'package')],
      {
        cwd: ROOT,
        timeout: 300_000,
        maxBuffer: 16 * 1024 * 1024,
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
          AWS_REGION: 'us-east-1',
          ESBUILD_WORK_FOLDER: join(dir, 'esbuild'),
          SLS_TELEMETRY_DISABLED: '1',
          SLS_NOTIFICATIONS_MODE: 'off',
        },
      },
      (error, stdout, stderr) => (error ? reject(new Error(`serverless package failed: ${error.message}\n${stdout}\n${stderr}`)) : resolve()),
    );
  });
}

/** ms to require `file` in a fresh node process (module initialisation only, not node's own start). */
function initMs(file: string, nodeOptions: string): number {
  const script = `const t=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6));process.exit(0)`;
  const out = execFileSync(process.execPath, ['-e', script], {
    encoding: 'utf8',
    timeout: 30_000,
    // As on Lambda: the provider's environment (no connection is opened at import).
    env: {
      PATH: process.env.PATH,
      NODE_OPTIONS: nodeOptions,
      // Lambda's Node.js runtime resolves @aws-sdk/* (excluded from the bundles) from its own copy.
      NODE_PATH: join(ROOT, 'node_modules'),
      AWS_REGION: 'us-east-1',
      AWS_LAMBDA_FUNCTION_NAME: 'bench',
      KAFKA_BROKERS: '127.0.0.1:9',
      REDIS_URL: 'redis://127.0.0.1:9',
      LOG_LEVEL: 'WARN',
      POWERTOOLS_SERVICE_NAME: 'bench',
    },
  });
  return Number(out);
}

function medianInit(file: string, nodeOptions = '--enable-source-maps'): number {
  return median(Array.from({ length: RUNS }, () => initMs(file, nodeOptions)));
}

/** The first lines of the stack trace a consumer bundle throws for a non-Kafka event, as deployed. */
function stackTrace(file: string): string {
  const script = `require(${JSON.stringify(file)}).handler({}, { getRemainingTimeInMillis: () => 1000 }).catch((e) => { process.stdout.write(e.stack); process.exit(0); })`;
  return execFileSync(process.execPath, ['-e', script], {
    encoding: 'utf8',
    timeout: 30_000,
    env: {
      PATH: process.env.PATH,
      NODE_OPTIONS: '--enable-source-maps',
      NODE_PATH: join(ROOT, 'node_modules'),
      LOG_LEVEL: 'SILENT',
      KAFKA_BROKERS: '127.0.0.1:9',
    },
  });
}

/** Functions with a Kafka event source mapping in the packaged template. */
function consumerFunctions(templateFile: string): Set<string> {
  const template = JSON.parse(readFileSync(templateFile, 'utf8')) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
  const names = new Set<string>();
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::EventSourceMapping') continue;
    const logicalId = (resource.Properties.FunctionName as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const name = String(template.Resources[logicalId]?.Properties.FunctionName ?? '');
    names.add(name.slice(name.lastIndexOf('-') + 1));
  }
  return names;
}

/** serverless.yml custom.esbuild, as serverless-esbuild hands it to esbuild (CommonJS output). */
async function bundle(entry: string, outfile: string, plugins: unknown[], sourcesContent = false): Promise<number> {
  await build({
    entryPoints: [join(ROOT, entry)],
    outfile,
    bundle: true,
    minify: true,
    sourcemap: 'linked',
    sourcesContent,
    target: 'node22',
    platform: 'node',
    format: 'cjs',
    external: ['@aws-sdk/*'],
    logLevel: 'error',
    plugins: plugins as never,
  });
  return statSync(outfile).size;
}

export async function run(): Promise<void> {
  const loadBefore = machineLoad();
  const dir = mkdtempSync(join(tmpdir(), 'bench-cold-'));
  try {
    console.log('serverless package --stage local ...');
    const started = Date.now();
    await serverlessPackage(dir);
    console.log(`packaged in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const empty = join(dir, 'empty.js');
    writeFileSync(empty, '');
    const emptyMs = medianInit(empty);

    const zips = readdirSync(join(dir, 'package')).filter((f) => f.endsWith('.zip'));
    const consumers = consumerFunctions(join(dir, 'package', 'cloudformation-template-update-stack.json'));
    const rows: BenchRow[] = [];
    const perFunction: Record<string, Record<string, number>> = {};
    for (const zip of zips.sort()) {
      const fn = zip.replace(/\.zip$/, '');
      const unzipped = join(dir, 'unzipped', fn);
      mkdirSync(unzipped, { recursive: true });
      execFileSync('unzip', ['-q', '-o', join(dir, 'package', zip), '-d', unzipped]);
      const js = join(unzipped, 'functions', `${fn}.js`);
      const jsBytes = statSync(js).size;
      const zipBytes = statSync(join(dir, 'package', zip)).size;
      const init = medianInit(js);

      const allLocalesBytes = await bundle(`functions/${fn}.ts`, join(dir, 'all-locales', fn, `${fn}.js`), localOnly({ offline: false }));
      perFunction[fn] = { jsKB: jsBytes / KB, zipKB: zipBytes / KB, initMs: init, allLocalesJsKB: allLocalesBytes / KB };
      console.log(
        `${fn}: ${(jsBytes / KB).toFixed(0)} KB .js (${(allLocalesBytes / KB).toFixed(0)} KB with every zod locale), ${(zipBytes / KB).toFixed(0)} KB .zip, init ${init.toFixed(0)} ms`,
      );
      rows.push(
        {
          name: `${fn}: bundle .js`,
          value: jsBytes / KB,
          unit: 'KB',
          baseline: { name: 'with every zod locale', value: allLocalesBytes / KB },
          target: '< 1024 KB',
          met: jsBytes < 1024 * KB,
        },
        { name: `${fn}: bundle .zip`, value: zipBytes / KB, unit: 'KB' },
        {
          name: `${fn}: init`,
          value: init,
          unit: 'ms',
          baseline: { name: 'empty module', value: emptyMs },
          target: consumers.has(fn) ? '< 150 ms' : '< 300 ms',
          met: init < (consumers.has(fn) ? 150 : 300),
        },
      );
    }
    const heaviest = Object.entries(perFunction).sort((a, b) => (b[1].jsKB ?? 0) - (a[1].jsKB ?? 0))[0];
    const consumer = Object.entries(perFunction)
      .filter(([fn]) => consumers.has(fn))
      .sort((a, b) => (b[1].initMs ?? 0) - (a[1].initMs ?? 0))[0];
    if (consumer) {
      const [fn, figures] = consumer;
      const before = join(dir, 'with-sources', fn, `${fn}.js`);
      await bundle(`functions/${fn}.ts`, before, require(join(ROOT, 'lib/deploy/esbuild-zod-english.cjs')) as unknown[], true);
      rows.push({
        name: `${fn} (slowest consumer): init as deployed`,
        value: figures.initMs ?? 0,
        unit: 'ms',
        baseline: { name: 'maps with sourcesContent (before issue 14)', value: medianInit(before) },
        target: '< 150 ms',
        met: (figures.initMs ?? 0) < 150,
      });
      const trace = stackTrace(join(dir, 'unzipped', fn, 'functions', `${fn}.js`));
      const mapped = /\.ts:\d+:\d+/.test(trace);
      console.log(`${fn} stack trace as deployed:\n${trace.split('\n').slice(0, 3).join('\n')}`);
      rows.push({ name: `${fn}: stack trace names TypeScript sources`, value: mapped ? 1 : 0, unit: 'yes', target: '1', met: mapped });
    }
    const withoutMaps = heaviest ? medianInit(join(dir, 'unzipped', heaviest[0], 'functions', `${heaviest[0]}.js`), '') : Number.NaN;
    if (heaviest) {
      rows.push({
        name: `${heaviest[0]}: init without --enable-source-maps`,
        value: withoutMaps,
        unit: 'ms',
        baseline: { name: 'with (as deployed)', value: heaviest[1].initMs ?? 0 },
      });
    }
    recordResults('coldStart', rows, {
      runsPerMedian: RUNS,
      emptyModuleInitMs: emptyMs,
      perFunction,
      notes: [
        'init = require() of the bundle unzipped from its deployment zip in a fresh node process (node start excluded), NODE_OPTIONS=--enable-source-maps as serverless.yml sets it, @aws-sdk/* from NODE_PATH as the Lambda runtime provides it; median of runs.',
        'allLocalesJsKB: the same esbuild build without lib/deploy/esbuild-zod-english.cjs.',
      ],
      loadBefore,
      loadAfter: machineLoad(),
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) runAlone(run);
