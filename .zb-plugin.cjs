const path = require('node:path');
// Only zod's English messages are used: its `locales` namespace re-export resolves to a stub.
module.exports = [{
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /\/locales\/index\.js$/ }, (args) => {
      if (!/[\\/]node_modules[\\/]zod[\\/]/.test(args.importer)) return undefined;
      return { path: path.join(path.dirname(args.importer), '../locales/en.js').replace(/x$/, ''), namespace: 'zod-locales' };
    });
    build.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)};`, resolveDir: path.dirname(args.path), loader: 'js',
    }));
  },
}];
