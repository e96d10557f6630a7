/**
 * Serverless Framework plugin, active during `serverless offline`: the local HTTP gateway answers
 * in this API's one error shape and logs one line per request (gateway.ts), and serverless-offline's
 * per-request and start-up chatter moves to DEBUG (quiet-log.ts), and each function runs at most
 * `custom.offlineGateway.concurrency` requests at once (concurrency.ts). Listed before serverless-offline,
 * so its `before:` hooks run before serverless-offline builds its server.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Serverless, serviceDirOf } from '../../deploy/serverless-types';
import { type FrameworkLog, pluginLog } from '../plugin-log';
import { importModule, offlineSourceDir, requireFromOffline } from '../serverless-offline';
import { type HapiServer, hookGatewayOnStart } from './gateway';
import { type OfflineLogUtils, quietOfflineLog } from './quiet-log';

interface HttpApiEvent {
  method?: string;
  path?: string;
}

interface PluginUtils {
  log?: FrameworkLog & OfflineLogUtils['log'];
  progress?: unknown;
}

export class OfflineGatewayPlugin {
  readonly hooks: Record<string, () => Promise<void>>;
  private installed?: Promise<void>;

  constructor(
    private readonly serverless: Serverless,
    private readonly options: Record<string, unknown>,
    private readonly utils: PluginUtils = {},
  ) {
    const install = () => {
      this.installed ??= this.install();
      return this.installed;
    };
    // `offline start` builds the server in offline:start:init; plain `offline` in offline:start.
    this.hooks = { 'before:offline:start:init': install, 'before:offline:start': install };
  }

  private async install(): Promise<void> {
    const serviceDir = serviceDirOf(this.serverless);
    const log = pluginLog('[gateway]', this.utils.log);
    if (this.utils.log) {
      const offlineLog = (await importModule(pathToFileURL(join(offlineSourceDir(serviceDir), 'utils', 'log.js')).href)) as {
        setLogUtils(utils: OfflineLogUtils): void;
      };
      offlineLog.setLogUtils(quietOfflineLog({ log: this.utils.log, progress: this.utils.progress }, log));
    }
    const hapi = requireFromOffline(serviceDir)('@hapi/hapi') as { server(options: object): HapiServer };
    const routes = this.routes();
    const concurrency = this.concurrency();
    hookGatewayOnStart(Object.getPrototypeOf(hapi.server({ autoListen: false })) as HapiServer, {
      port: this.httpPort(),
      log,
      functionOf: (method, path) => routes.get(`${method.toUpperCase()} ${path}`),
      concurrencyOf: (key) => {
        const reserved = Number(this.serverless.service.getFunction(key).reservedConcurrency);
        return reserved >= 1 ? Math.min(reserved, concurrency) : concurrency;
      },
    });
  }

  /**
   * Requests of one function run at once (lib/local/offline-gateway/concurrency.ts):
   * `custom.offlineGateway.concurrency`, else twice the machine's CPUs (measured on 2 cores: with
   * one instance per CPU the gateway fell behind at 100 checkouts/s, with two it kept up).
   */
  private concurrency(): number {
    const configured = Number((this.serverless.service.custom?.offlineGateway as { concurrency?: unknown } | undefined)?.concurrency);
    return configured >= 1 ? Math.floor(configured) : 2 * availableParallelism();
  }

  private httpPort(): number {
    const custom = (this.serverless.service.custom?.['serverless-offline'] ?? {}) as Record<string, unknown>;
    return Number(this.options.httpPort ?? custom.httpPort ?? 3000);
  }

  /** `METHOD /path` of every httpApi event → its function key. */
  private routes(): Map<string, string> {
    const routes = new Map<string, string>();
    const service = this.serverless.service;
    for (const key of service.getAllFunctions()) {
      for (const event of service.getFunction(key).events ?? []) {
        const route = event.httpApi as HttpApiEvent | string | undefined;
        if (typeof route === 'object' && route.method && route.path) routes.set(`${route.method.toUpperCase()} ${route.path}`, key);
      }
    }
    return routes;
  }
}

export default OfflineGatewayPlugin;
