/**
 * `serverless offline` only: stops esbuild's service process once serverless-esbuild has bundled
 * the functions. With `custom.esbuild.skipRebuild: true` no incremental build context lives in
 * it (a context per function kept ~760 MB of RSS in the esbuild process for the whole session),
 * so nothing is lost: a rebuild after a file change starts a fresh service (esbuild restarts it on
 * the next call, https://esbuild.github.io/api/#stop), and each function is bundled from scratch.
 *
 * plugins:
 *   - serverless-esbuild
 *   - ./lib/local/esbuild-idle      # after serverless-esbuild: its hooks of the same event run first
 */
const { dirname } = require('node:path');

class EsbuildIdle {
  constructor(serverless) {
    // The esbuild serverless-esbuild itself loads (its own dependency), not another copy.
    const esbuild = require(
      require.resolve('esbuild', {
        paths: [
          dirname(require.resolve('serverless-esbuild/package.json', { paths: [serverless.serviceDir ?? serverless.config?.servicePath ?? process.cwd()] })),
        ],
      }),
    );
    const stop = async () => {
      await esbuild.stop();
    };
    this.hooks = { 'before:offline:start:init': stop, 'before:offline:start': stop };
  }
}

module.exports = EsbuildIdle;
