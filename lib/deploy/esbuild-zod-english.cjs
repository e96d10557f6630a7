/**
 * esbuild plugin (a serverless-esbuild `custom.esbuild.plugins` file: it exports an array of
 * plugins): zod 4 keeps English error messages only.
 *
 * `import { z } from 'zod'` keeps the whole `z` namespace, whose `locales` member re-exports every
 * locale (about 260 KB minified): esbuild cannot drop them. This resolves zod's own
 * `locales/index.js` to a module that re-exports `en` alone. Nothing here calls `z.locales.*` or
 * `z.config(<locale>)`; English is zod's default and stays as it is.
 *
 * Registered in serverless.yml under `custom.esbuild.plugins`: about 256 KB less per function.
 */
const path = require('node:path');

const ZOD = /[\\/]node_modules[\\/]zod[\\/]/;

module.exports = [
  {
    name: 'zod-english-only',
    setup(build) {
      build.onResolve({ filter: /[\\/]locales[\\/]index\.js$/ }, (args) => {
        if (!ZOD.test(args.importer)) return undefined;
        return { path: path.join(path.dirname(args.importer), path.dirname(args.path), 'en.js'), namespace: 'zod-english-only' };
      });
      build.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, (args) => ({
        contents: `export { default as en } from ${JSON.stringify(args.path)};`,
        resolveDir: path.dirname(args.path),
        loader: 'js',
      }));
    },
  },
];
