/**
 * Serverless Framework loads plugins with Node's `require`: this entry compiles the TypeScript
 * plugin on the fly with tsx (a scoped require hook: nothing else in the process is affected).
 *
 * plugins:
 *   - ./lib/local/offline-gateway
 *   - serverless-offline
 */
const { require: tsxRequire } = require('tsx/cjs/api');

module.exports = tsxRequire('./plugin.ts', __filename).OfflineGatewayPlugin;
