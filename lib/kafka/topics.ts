/**
 * Creates the catalog's topics (and every group's dead-letter topic), idempotently.
 *
 * The same code runs before local consumers start and at deploy time. Existing topics are left
 * alone when they match, grown when the catalog asks for more partitions, and their retention is
 * brought in line. Kafka cannot remove partitions, so asking for fewer fails loudly.
 *
 * @example
 * const admin = kafka().admin(); await admin.connect();
 * const report = await ensureTopics(admin, topicSpecs({ replicationFactor: 1 }));
 */
import type { Admin, Kafka } from 'kafkajs';
import { ConfigResourceTypes } from 'kafkajs';
import { consumerGroups, DEAD_LETTER_RETENTION_MS, deadLetterTopicFor, topics } from '../../events/catalog';

export interface TopicSpec {
  name: string;
  partitions: number;
  replicationFactor: number;
  configs: Record<string, string>;
}

export interface TopicReport {
  created: string[];
  /** Topics changed in place: `name: what changed`. */
  updated: string[];
  unchanged: string[];
}

/** A topic change Kafka cannot apply (fewer partitions, a different replication factor). */
export class TopicChangeError extends Error {
  override name = 'TopicChangeError';
}

/** Every topic the system needs: the catalog's, then one dead-letter topic per consumer group. */
export function topicSpecs({ replicationFactor }: { replicationFactor: number }): TopicSpec[] {
  const minIsr = String(Math.min(2, replicationFactor));
  const eventTopics = topics.map((t) => ({
    name: t.name,
    partitions: t.partitions,
    replicationFactor,
    configs: { 'retention.ms': String(t.retentionMs), 'min.insync.replicas': minIsr },
  }));
  const deadLetters = consumerGroups.map((group) => ({
    name: deadLetterTopicFor(group),
    partitions: 1,
    replicationFactor,
    configs: { 'retention.ms': String(DEAD_LETTER_RETENTION_MS), 'min.insync.replicas': minIsr },
  }));
  return [...eventTopics, ...deadLetters];
}

/** Brings the cluster's topics in line with `specs`; safe to run any number of times. */
export async function ensureTopics(admin: Admin, specs: TopicSpec[]): Promise<TopicReport> {
  const report: TopicReport = { created: [], updated: [], unchanged: [] };
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((s) => !existing.has(s.name));
  const present = specs.filter((s) => existing.has(s.name));

  if (missing.length > 0) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((s) => ({
        topic: s.name,
        numPartitions: s.partitions,
        replicationFactor: s.replicationFactor,
        configEntries: Object.entries(s.configs).map(([name, value]) => ({ name, value })),
      })),
    });
    report.created.push(...missing.map((s) => s.name));
  }
  if (present.length === 0) return report;

  const { topics: metadata } = await admin.fetchTopicMetadata({ topics: present.map((s) => s.name) });
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: present.map((s) => ({ type: ConfigResourceTypes.TOPIC, name: s.name })),
  });
  const grow: { topic: string; count: number }[] = [];
  const alter: { name: string; entries: { name: string; value: string }[] }[] = [];
  for (const spec of present) {
    const current = metadata.find((m) => m.name === spec.name);
    const partitions = current?.partitions.length ?? 0;
    const replicas = current?.partitions[0]?.replicas.length ?? spec.replicationFactor;
    if (partitions > spec.partitions) {
      throw new TopicChangeError(
        `Topic ${spec.name} has ${partitions} partitions and the catalog asks for ${spec.partitions}: Kafka cannot remove partitions. Keep ${partitions} in events/catalog.ts, or create a new topic and migrate.`,
      );
    }
    if (replicas !== spec.replicationFactor) {
      throw new TopicChangeError(
        `Topic ${spec.name} has replication factor ${replicas} and ${spec.replicationFactor} is asked: changing it needs a partition reassignment, which this tool does not do.`,
      );
    }
    const changes: string[] = [];
    if (partitions < spec.partitions) {
      grow.push({ topic: spec.name, count: spec.partitions });
      changes.push(`partitions ${partitions} -> ${spec.partitions}`);
    }
    const entries = described.resources.find((r) => r.resourceName === spec.name)?.configEntries ?? [];
    const differing = Object.entries(spec.configs).filter(([name, value]) => entries.find((e) => e.configName === name)?.configValue !== value);
    if (differing.length > 0) {
      alter.push({ name: spec.name, entries: differing.map(([name, value]) => ({ name, value })) });
      changes.push(...differing.map(([name, value]) => `${name} -> ${value}`));
    }
    if (changes.length > 0) report.updated.push(`${spec.name}: ${changes.join(', ')}`);
    else report.unchanged.push(spec.name);
  }
  if (grow.length > 0) {
    await admin.createPartitions({ topicPartitions: grow });
    await untilPartitionsVisible(admin, grow);
  }
  if (alter.length > 0) {
    // Incremental in spirit: only the differing keys are sent, the topic's other overrides are kept.
    for (const resource of alter) {
      const all = described.resources.find((r) => r.resourceName === resource.name)?.configEntries ?? [];
      const keep = all
        .filter((e) => !e.isDefault && !resource.entries.some((x) => x.name === e.configName))
        .map((e) => ({ name: e.configName, value: e.configValue }));
      await admin.alterConfigs({
        validateOnly: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: resource.name, configEntries: [...keep, ...resource.entries] }],
      });
    }
  }
  return report;
}

/**
 * The controller accepts new partitions before every broker's metadata shows them; waiting here
 * means a caller (the deploy, the event source mappings after it, a test) sees the topic as asked.
 * Bounded: past the wait the change is still made, only not yet visible everywhere.
 */
async function untilPartitionsVisible(admin: Admin, grown: { topic: string; count: number }[], timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { topics: metadata } = await admin.fetchTopicMetadata({ topics: grown.map((g) => g.topic) });
    if (grown.every((g) => (metadata.find((m) => m.name === g.topic)?.partitions.length ?? 0) >= g.count)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Connects an admin client, applies the specs, disconnects. */
export async function provision(kafka: Kafka, specs: TopicSpec[]): Promise<TopicReport> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await ensureTopics(admin, specs);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}
