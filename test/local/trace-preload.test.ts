/**
 * lib/local/trace-preload.ts: the file `npm run dev` preloads into every function worker is plain
 * JavaScript. A worker thread started with it (`--require`, as serverless-offline starts one per
 * function instance) stores the spans it ends in the store `npm run dev` named, although the worker
 * does not get `npm run dev`'s environment, and loads neither tsx nor esbuild. Runs in a child
 * process, so no loader of jest's is involved.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSpans } from '../../lib/local/span-store';
import { buildTracePreload } from '../../lib/local/trace-preload';

const ROOT = join(__dirname, '../..');

describe('trace preload', () => {
  const store = join(tmpdir(), `trace-preload-${process.pid}-${Date.now()}.jsonl`);
  afterAll(() => rmSync(store, { force: true }));

  it('lets a worker store its spans in the named store, with no TypeScript loader', () => {
    const preload = buildTracePreload(store);
    const script = `
      const { Worker } = require('node:worker_threads');
      const worker = new Worker(\`
        const { trace } = require('@opentelemetry/api');
        trace.getTracer('check').startSpan('preloaded span').end();
        const loaders = Object.keys(require.cache).filter((file) => /node_modules\\\\/(tsx|esbuild)\\\\//.test(file));
        require('node:worker_threads').parentPort.postMessage(loaders);
      \`, { eval: true, execArgv: ['--require', ${JSON.stringify(preload.file)}] });
      worker.once('message', (loaders) => { console.log(JSON.stringify(loaders)); worker.terminate(); });
      worker.once('error', (error) => { console.error(error.stack); process.exit(3); });
    `;
    const { LOCAL_TRACE_FILE: _developers, ...env } = process.env;
    let out: string;
    try {
      out = execFileSync(process.execPath, ['-e', script], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...env, NODE_OPTIONS: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } finally {
      preload.remove();
    }
    expect(JSON.parse(out.trim())).toEqual([]);
    expect(readSpans(store).map((span) => span.name)).toEqual(['preloaded span']);
    expect(existsSync(preload.file)).toBe(false);
  });
});
