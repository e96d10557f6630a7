/**
 * `serverless offline` only: keeps what the local system holds in memory small.
 *
 * - Stops esbuild's service process once serverless-esbuild has bundled the functions. With
 *   `custom.esbuild.skipRebuild: true` no incremental build context lives in it (a context per
 *   function kept ~760 MB of RSS in the esbuild process for the whole session), so nothing is lost:
 *   a rebuild after a file change starts a fresh service (esbuild restarts it on the next call,
 *   https://esbuild.github.io/api/#stop), and each function is bundled from scratch.
 * - Gives each function instance (a worker thread of serverless-offline, a V8 heap of its own) a
 *   smaller young generation: `custom.offlineMemory.workerSemiSpaceMb`. V8's default (16 MB
 *   semi-spaces, grown under load and kept) cost ~20 MB of RSS per instance; at 100 checkouts/s a
 *   dozen instances run. V8 reads the flag when it creates an isolate, so setting it here, before
 *   the first invocation starts a worker, applies to every worker and leaves serverless-offline's
 *   own thread as it is (https://nodejs.org/api/v8.html#v8setflagsfromstringflags).
 *
 * plugins:
 *   - serverless-esbuild
 *   - ./lib/local/offline-memory    # after serverless-esbuild: its hooks of the same event run first
 */
const { dirname } = require('node:path');
const v8 = require('node:v8');

class OfflineMemory {
  constructor(serverless) {
    // The esbuild serverless-esbuild itself loads (its own dependency), not another copy.
    const esbuild = require(
      require.resolve('esbuild', {
        paths: [
          dirname(require.resolve('serverless-esbuild/package.json', { paths: [serverless.serviceDir ?? serverless.config?.servicePath ?? process.cwd()] })),
        ],
      }),
    );
    const limitWorkerHeaps = () => {
      const configured = serverless.service.custom?.offlineMemory?.workerSemiSpaceMb;
      if (configured === undefined || configured === null || configured === '') return;
      const mb = Number(configured);
      if (!Number.isInteger(mb) || mb < 1) {
        throw new Error(`custom.offlineMemory.workerSemiSpaceMb must be a whole number of MB (1 or more), not ${JSON.stringify(configured)}`);
      }
      v8.setFlagsFromString(`--max-semi-space-size=${mb}`);
    };
    const beforeOffline = async () => {
      limitWorkerHeaps();
      await esbuild.stop();
    };
    this.hooks = { 'before:offline:start:init': beforeOffline, 'before:offline:start': beforeOffline };
  }
}

module.exports = OfflineMemory;
