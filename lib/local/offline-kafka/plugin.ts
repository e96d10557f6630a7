/**
 * Serverless Framework plugin: `serverless offline start` runs every function's `msk` and
 * self-managed `kafka` event source mapping against a real Kafka broker, with Lambda's semantics.
 *
 * Hooks (the plugin is listed BEFORE serverless-offline, so at each lifecycle event it runs first):
 * - `offline:start:ready`: serverless-offline's servers listen by now (they start in `init`);
 *   topics are ensured, then one poller per mapping starts. serverless-offline's own `ready`
 *   hook then waits for SIGINT/SIGTERM.
 * - `offline:start:end`: after the signal, pollers stop fetching, let in-flight invocations finish
 *   (bounded by `custom.offlineKafka.shutdownTimeoutSeconds`), leave their groups and disconnect,
 *   before serverless-offline closes its Lambda server and exits.
 * Plain `serverless offline` (no `start`) is supported too: pollers start once the Lambda port
 * answers and stop on the signal.
 *
 * Functions are invoked through serverless-offline's Lambda API, so handler resolution,
 * environment and timeout are exactly serverless-offline's.
 *
 * custom.offlineKafka (all optional): enabled, functions [keys], lagIntervalSeconds (10),
 * lagPort (none), shutdownTimeoutSeconds (10), defaultPartitions (3).
 */
import net from 'node:net';
import { type Admin, Kafka, type Producer } from 'kafkajs';
import type { Serverless } from '../../deploy/serverless-types';
import { asError, errorMessage } from '../../errors';
import { kafkajsLogging } from '../../kafka/log';
import { ensureTopics, type TopicSpec, topicSpecs } from '../../kafka/topics';
import { type FrameworkLog, kafkaLogOf, type PluginLog, pluginLog } from '../plugin-log';
import { type MappingConfig, pluginSettings, readMappings } from './config';
import { httpInvoker, type Invoker, type InvokeTarget, lambdaApiInvoker } from './invoke';
import { LagReporter } from './lag';
import { MappingPoller } from './poller';

interface PluginUtils {
  log?: FrameworkLog;
}

interface Cluster {
  brokers: string[];
  kafka: Kafka;
  admin?: Promise<Admin>;
  producer?: Promise<Producer>;
}

const PREFIX = '[offline-kafka]';

export class OfflineKafkaPlugin {
  readonly hooks: Record<string, () => Promise<void>>;
  private pollers: MappingPoller[] = [];
  private readonly clusters = new Map<string, Cluster>();
  private lag?: LagReporter;
  private invoker?: Invoker;
  private started = false;
  private stopped?: Promise<void>;
  private readonly out: PluginLog;

  constructor(
    private readonly serverless: Serverless,
    private readonly options: Record<string, unknown>,
    utils: PluginUtils = {},
  ) {
    this.out = pluginLog(PREFIX, utils.log);
    this.hooks = {
      'offline:start:ready': () => this.start(),
      'offline:start:end': () => this.stop(),
      // `serverless offline` runs serverless-offline's start, ready and end inside this one hook.
      'before:offline:start': async () => this.startInBackground(),
    };
  }

  private log(line: string): void {
    this.out.info(line);
  }

  private target(): InvokeTarget {
    const custom = (this.serverless.service.custom?.['serverless-offline'] ?? {}) as Record<string, unknown>;
    let host = String(this.options.host ?? custom.host ?? 'localhost');
    if (host === '0.0.0.0' || host === '::') host = '127.0.0.1';
    return { host, port: Number(this.options.lambdaPort ?? custom.lambdaPort ?? 3002) };
  }

  private startInBackground(): void {
    const target = this.target();
    const deadline = Date.now() + 120_000;
    const attempt = () => {
      if (this.started || this.stopped) return;
      const socket = net.connect(target.port, target.host);
      socket.once('connect', () => {
        socket.destroy();
        this.start().catch((error) => this.log(`failed to start: ${asError(error).stack ?? error}`));
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() < deadline) setTimeout(attempt, 200).unref();
      });
    };
    attempt();
    const onSignal = () => {
      this.stop().catch(() => {});
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const service = this.serverless.service;
    const settings = pluginSettings(service);
    if (!settings.enabled) {
      this.log('disabled by custom.offlineKafka.enabled');
      return;
    }
    const all = readMappings(service, this.serverless.getProvider('aws').naming);
    const mappings = all.filter((m) => m.enabled && (!settings.functions || settings.functions.includes(m.functionKey)));
    for (const m of all) if (!m.enabled) this.log(`${m.functionKey} [${m.groupId}] is disabled (enabled: false)`);
    if (mappings.length === 0) return;
    for (const m of mappings) {
      if (m.onFailureTopic === m.topic) {
        throw new Error(`${PREFIX} ${m.functionKey}: the on-failure destination kafka://${m.onFailureTopic} must not be the mapping's source topic`);
      }
    }

    const byBrokers = new Map<string, MappingConfig[]>();
    for (const m of mappings) {
      const id = m.brokers.join(',');
      byBrokers.set(id, [...(byBrokers.get(id) ?? []), m]);
    }
    for (const [id, group] of byBrokers) {
      const cluster = this.cluster(id);
      await this.ensureTopics(cluster, group, settings.defaultPartitions);
    }

    const invoker = await this.createInvoker(settings.invoke, [...new Set(mappings.map((m) => m.functionKey))]);
    this.invoker = invoker;
    this.pollers = mappings.map((m) => {
      const cluster = this.cluster(m.brokers.join(','));
      return new MappingPoller(m, { kafka: cluster.kafka, producer: () => this.producer(cluster), invoker, log: this.out, concurrency: settings.concurrency });
    });
    await Promise.all(this.pollers.map((p) => p.start()));
    this.log(`${this.pollers.length} Kafka trigger(s) running, invoking through ${invoker.description}`);

    const first = this.cluster(mappings[0]?.brokers.join(',') ?? '');
    this.lag = new LagReporter(
      () => this.adminOf(first),
      mappings.map((m) => ({ group: m.groupId, topic: m.topic, functionKey: m.functionKey })),
      this.out,
    );
    this.lag.start(settings.lagIntervalSeconds, settings.lagPort);
  }

  /** Graceful: stop fetching, finish in-flight invocations (bounded), commit, leave, disconnect. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      if (this.pollers.length === 0 && this.clusters.size === 0) return;
      const settings = pluginSettings(this.serverless.service);
      this.log(`stopping ${this.pollers.length} Kafka trigger(s)...`);
      const started = Date.now();
      await Promise.all(this.pollers.map((p) => p.stop(settings.shutdownTimeoutSeconds * 1000)));
      await this.lag?.stop();
      for (const cluster of this.clusters.values()) {
        await (await cluster.producer?.catch(() => undefined))?.disconnect().catch(() => {});
        await (await cluster.admin?.catch(() => undefined))?.disconnect().catch(() => {});
      }
      await this.invoker?.close().catch(() => {});
      this.log(`Kafka triggers stopped in ${Date.now() - started} ms`);
    })();
    return this.stopped;
  }

  private async createInvoker(mode: 'lambda' | 'http', functionKeys: string[]): Promise<Invoker> {
    if (mode === 'lambda') {
      try {
        return await lambdaApiInvoker(this.serverless, this.options, functionKeys);
      } catch (error) {
        this.log(`serverless-offline's Lambda API is not usable (${errorMessage(error)}); invoking over HTTP instead`);
      }
    }
    return httpInvoker(this.target());
  }

  private cluster(id: string): Cluster {
    let cluster = this.clusters.get(id);
    if (!cluster) {
      const brokers = id.split(',');
      cluster = {
        brokers,
        kafka: new Kafka({
          clientId: 'offline-kafka',
          brokers,
          ...kafkajsLogging(kafkaLogOf(this.out)),
          connectionTimeout: 3000,
          requestTimeout: 30_000,
          retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 3000 },
        }),
      };
      this.clusters.set(id, cluster);
    }
    return cluster;
  }

  private adminOf(cluster: Cluster): Promise<Admin> {
    cluster.admin ??= (async () => {
      const admin = cluster.kafka.admin();
      await admin.connect();
      return admin;
    })().catch((error) => {
      cluster.admin = undefined;
      throw error;
    });
    return cluster.admin;
  }

  private producer(cluster: Cluster): Promise<Producer> {
    cluster.producer ??= (async () => {
      const producer = cluster.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      await producer.connect();
      return producer;
    })().catch((error) => {
      cluster.producer = undefined;
      throw error;
    });
    return cluster.producer;
  }

  /** Creates missing source and destination topics (KRaft needs them before a consumer subscribes). */
  private async ensureTopics(cluster: Cluster, mappings: MappingConfig[], defaultPartitions: number): Promise<void> {
    const admin = await this.adminOf(cluster);
    const existing = new Set(await admin.listTopics());
    const catalog = new Map(topicSpecs({ replicationFactor: 1 }).map((s) => [s.name, s]));
    const wanted = new Set(mappings.flatMap((m) => [m.topic, ...(m.onFailureTopic ? [m.onFailureTopic] : [])]));
    const missing: TopicSpec[] = [...wanted]
      .filter((name) => !existing.has(name))
      .map((name) => catalog.get(name) ?? { name, partitions: defaultPartitions, replicationFactor: 1, configs: {} });
    if (missing.length === 0) return;
    await ensureTopics(admin, missing);
    this.log(`created topic(s): ${missing.map((s) => s.name).join(', ')}`);
  }
}

export default OfflineKafkaPlugin;
