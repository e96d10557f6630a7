/**
 * Preloaded (`--require`) into every function worker by `npm run dev` (scripts/dev.ts sets
 * DEV_NODE_OPTIONS, which serverless.yml's local stage appends to NODE_OPTIONS): registers the
 * OpenTelemetry SDK with the local span store (lib/local/span-store.ts). Never used on AWS.
 */
require('tsx/cjs');
require('./span-store.ts').startLocalTracing();
