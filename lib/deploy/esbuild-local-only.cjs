/**
 * esbuild plugin: modules only `serverless offline` needs stay out of the bundles `serverless
 * package` (and `deploy`) builds.
 *
 * lib/http/local-jwt.ts verifies tokens with the local dev key (jose, the key file) because
 * serverless-offline does not check signatures; on AWS the HTTP API's JWT authorizer does, and
 * lib/http/identity.ts loads the module only when IS_OFFLINE is set. Outside `serverless offline`
 * it resolves to a module that throws when loaded, naming why: should IS_OFFLINE ever be set on a
 * deployed function, it fails closed (500) instead of trusting a key that is not there.
 *
 * Only modules listed here are replaced: anything else local-only that a function imports stays
 * in its bundle, where test/deploy/bundles.unit.test.ts finds it.
 *
 * @example
 * // custom.esbuild.plugins: ./lib/deploy/esbuild-plugins.cjs (serverless-esbuild calls it with `serverless`)
 * const plugins = [...localOnly({ offline: serverless.processedInput.commands[0] === 'offline' })];
 */
const path = require('node:path');

/** Local-only modules a function may load lazily, relative to the service folder. */
const LOCAL_ONLY = ['lib/http/local-jwt.ts'];
const ROOT = path.resolve(__dirname, '../..');

function localOnly({ offline }) {
  if (offline) return [];
  const files = new Set(LOCAL_ONLY.map((file) => path.join(ROOT, file)));
  return [
    {
      name: 'local-only',
      setup(build) {
        build.onResolve({ filter: /local-jwt$/ }, (args) => {
          const file = `${path.resolve(args.resolveDir, args.path)}.ts`;
          return files.has(file) ? { path: path.relative(ROOT, file), namespace: 'local-only' } : undefined;
        });
        build.onLoad({ filter: /.*/, namespace: 'local-only' }, (args) => ({
          contents: `throw new Error(${JSON.stringify(`${args.path} runs under serverless offline only: it is not in deployed bundles (lib/deploy/esbuild-local-only.cjs)`)});`,
          loader: 'js',
        }));
      },
    },
  ];
}

module.exports = { LOCAL_ONLY, localOnly };
