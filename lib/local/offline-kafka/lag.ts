/**
 * Consumer-group lag of every mapping: logged when it changes, and served as JSON on
 * `GET http://127.0.0.1:<custom.offlineKafka.lagPort>/lag` when a port is configured.
 */

import http from 'node:http';
import type { Admin } from 'kafkajs';
import { errorMessage } from '../../errors';
import { type PartitionLag, partitionLags } from '../../kafka/lag';
import type { PluginLog } from '../plugin-log';

export interface GroupLag {
  group: string;
  topic: string;
  functionKey: string;
  /** Records not yet committed, summed over partitions. */
  lag: number;
  partitions: PartitionLag[];
}

/** Lag of one mapping's group (lib/kafka/lag.ts computes it, as for `GET /stats`). */
export async function groupLag(admin: Admin, target: { group: string; topic: string; functionKey: string }): Promise<GroupLag> {
  const partitions = await partitionLags(admin, target.group, target.topic);
  return { ...target, lag: partitions.reduce((sum, p) => sum + p.lag, 0), partitions };
}

export class LagReporter {
  private timer?: NodeJS.Timeout;
  private server?: http.Server;
  private readonly last = new Map<string, string>();

  constructor(
    private readonly admin: () => Promise<Admin>,
    private readonly targets: { group: string; topic: string; functionKey: string }[],
    private readonly log: PluginLog,
  ) {}

  async snapshot(): Promise<GroupLag[]> {
    const admin = await this.admin();
    return Promise.all(this.targets.map((t) => groupLag(admin, t)));
  }

  start(intervalSeconds: number, port?: number): void {
    if (intervalSeconds > 0) {
      const tick = async () => {
        try {
          for (const lag of await this.snapshot()) {
            const text = `lag ${lag.group} ${lag.topic}: ${lag.lag} (${lag.partitions.map((p) => `p${p.partition}=${p.lag}`).join(' ')})`;
            const id = `${lag.group}/${lag.topic}`;
            if (this.last.get(id) !== text) {
              this.last.set(id, text);
              this.log.debug(text);
            }
          }
        } catch (error) {
          this.log.warn(`lag report failed: ${errorMessage(error)}`);
        }
        this.timer = setTimeout(tick, intervalSeconds * 1000);
        this.timer.unref();
      };
      this.timer = setTimeout(tick, 1000);
      this.timer.unref();
    }
    if (port) {
      this.server = http.createServer((request, response) => {
        if (request.method !== 'GET' || !request.url?.startsWith('/lag')) {
          response.writeHead(404).end();
          return;
        }
        this.snapshot().then(
          (lags) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ groups: lags })),
          (error) => response.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: errorMessage(error) })),
        );
      });
      this.server.listen(port, '127.0.0.1', () => this.log.info(`lag endpoint: http://127.0.0.1:${port}/lag`));
      this.server.unref();
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
