/**
 * The file `npm run dev` preloads (`--require`, through DEV_NODE_OPTIONS, which serverless.yml's
 * local stage appends to NODE_OPTIONS) into every function worker: it registers the OpenTelemetry
 * SDK with the local span store (lib/local/span-store.ts). Never used on AWS.
 *
 * It is built once per start into one plain CommonJS file (the store and our modules it imports;
 * packages stay `require`s of node_modules), so a worker loads no TypeScript compiler. Compiled on
 * the fly with tsx, each worker loaded tsx and esbuild's JS API and started an esbuild service
 * process of its own: 8 idle workers took 336 MB plus 8 × 12 MB of esbuild processes, against 212 MB
 * preloading the built file (issue 14).
 *
 * The file goes to `.local/dev/`, two folders below the project like its sources in `lib/local/`,
 * so paths they derive from `__dirname` (the store's `.local/traces/spans.jsonl`) resolve the same.
 * It is written to a temporary name and renamed: a second `npm run dev` starting at the same time
 * replaces it whole, never half-written, with the same content.
 *
 * A `npm run dev` given LOCAL_TRACE_FILE (tests: never the developer's store) gets a file of its
 * own that names that store: serverless-offline hands its workers only the functions' environment,
 * not the variables `npm run dev` was started with.
 *
 * @example
 * const preload = buildTracePreload(process.env.LOCAL_TRACE_FILE);   // { file: '<project>/.local/dev/trace-preload.cjs', remove }
 * spawn(node, [serverless, 'offline'], { env: { ...process.env, DEV_NODE_OPTIONS: `--require ${preload.file}` } });
 */
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildSync, stop } from 'esbuild';

/** Where the built preloads go (git-ignored, like the rest of `.local`). */
const PRELOAD_DIR = resolve(__dirname, '../../.local/dev');

export interface TracePreload {
  /** The file to `--require`. */
  file: string;
  /** Deletes it when it was this process's own (a store was named); the shared one stays. */
  remove(): void;
}

/** Bundles the preload, storing spans in `traceFile` when given (else the store's default), and says where it is. */
export function buildTracePreload(traceFile?: string): TracePreload {
  mkdirSync(PRELOAD_DIR, { recursive: true });
  const own = traceFile !== undefined && traceFile !== '';
  const file = join(PRELOAD_DIR, own ? `trace-preload-${process.pid}.cjs` : 'trace-preload.cjs');
  const temporary = `${file}.${process.pid}.tmp`;
  const naming = own ? `process.env.LOCAL_TRACE_FILE = ${JSON.stringify(traceFile)};\n` : '';
  buildSync({
    stdin: {
      contents: `${naming}require('./span-store').startLocalTracing();`,
      resolveDir: __dirname,
      sourcefile: join(__dirname, 'trace-preload-entry.js'),
      loader: 'js',
    },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    // Stack traces of the store's errors still name its .ts lines (workers run with --enable-source-maps).
    sourcemap: 'inline',
    sourcesContent: false,
    outfile: temporary,
    logLevel: 'warning',
  });
  renameSync(temporary, file);
  // buildSync leaves esbuild's worker thread and service process running (~15 MB) for later calls: there are none.
  void stop();
  return {
    file,
    remove: () => {
      if (own) rmSync(file, { force: true });
    },
  };
}
