/**
 * Where the project's serverless-offline lives, for the local plugins that use its modules
 * (its Lambda API for the Kafka triggers, its log and hapi server for the gateway).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** serverless-offline's `src` folder, resolved from the service's own node_modules. */
export function offlineSourceDir(serviceDir: string): string {
  // `serverless-offline/lambda` is an export of the package: src/lambda/index.js.
  return dirname(dirname(createRequire(join(serviceDir, 'package.json')).resolve('serverless-offline/lambda')));
}

/** A require() resolving from serverless-offline's own folder (its hapi, as it loads it). */
export function requireFromOffline(serviceDir: string): NodeJS.Require {
  return createRequire(join(offlineSourceDir(serviceDir), 'index.js'));
}

// A real dynamic import (serverless-offline is ESM); a compiler must not turn it into require().
export const importModule = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<Record<string, unknown>>;
