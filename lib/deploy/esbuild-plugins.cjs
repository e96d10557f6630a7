/**
 * The esbuild plugins of every function bundle (serverless.yml `custom.esbuild.plugins`;
 * serverless-esbuild calls this with the `serverless` object):
 * - zod keeps its English messages only (esbuild-zod-english.cjs);
 * - local-only modules stay out of bundles, except under `serverless offline` (esbuild-local-only.cjs).
 */
const zodEnglish = require('./esbuild-zod-english.cjs');
const { localOnly } = require('./esbuild-local-only.cjs');

module.exports = (serverless) => [...zodEnglish, ...localOnly({ offline: serverless?.processedInput?.commands?.[0] === 'offline' })];
