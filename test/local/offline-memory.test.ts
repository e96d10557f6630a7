/**
 * lib/local/offline-memory.cjs: `custom.offlineMemory.workerSemiSpaceMb` reaches the heap of every
 * worker thread started after the plugin's hook ran (as serverless-offline starts one per function
 * instance), and a wrong value stops `serverless offline` with a clear error. Each case runs in a
 * child process, since a V8 flag set in this process would change the heaps of later tests.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');

/** Runs the plugin's `before:offline:start` hook with `custom`, then reports a worker's young generation (MB) after it kept many objects alive. */
function workerNewSpaceMb(custom: unknown): number {
  const script = `
    const OfflineMemory = require(${JSON.stringify(join(ROOT, 'lib/local/offline-memory.cjs'))});
    const { Worker } = require('node:worker_threads');
    const plugin = new OfflineMemory({ serviceDir: ${JSON.stringify(ROOT)}, service: { custom: ${JSON.stringify(custom)} } });
    plugin.hooks['before:offline:start']().then(() => {
      const worker = new Worker(\`
        const { getHeapSpaceStatistics } = require('node:v8');
        const { parentPort } = require('node:worker_threads');
        let kept = [], batch = [];
        for (let i = 0; i < 2e6; i++) { batch.push({ i, s: 'x' + i }); if (batch.length > 200000) { kept.push(batch); batch = []; if (kept.length > 3) kept.shift(); } }
        parentPort.postMessage(getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size);
      \`, { eval: true });
      worker.once('message', (bytes) => { console.log(bytes / 1048576); worker.terminate(); });
    }).catch((error) => { console.error(error.message); process.exit(3); });
  `;
  return Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim());
}

describe('offline-memory plugin', () => {
  it("limits each worker's young generation to the configured semi-space", () => {
    // The young generation is two semi-spaces.
    expect(workerNewSpaceMb({ offlineMemory: { workerSemiSpaceMb: 2 } })).toBeLessThanOrEqual(4);
  });

  it("leaves V8's default when the setting is empty", () => {
    // Under load V8 grows the semi-spaces to 16 MB each.
    expect(workerNewSpaceMb({ offlineMemory: { workerSemiSpaceMb: '' } })).toBeGreaterThan(8);
  });

  it('refuses a value that is not a whole number of MB', () => {
    expect(() => workerNewSpaceMb({ offlineMemory: { workerSemiSpaceMb: '4MB' } })).toThrow(/workerSemiSpaceMb must be a whole number of MB/);
  });
});
