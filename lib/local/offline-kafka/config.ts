/**
 * Reads every `msk` and self-managed `kafka` event of the resolved Serverless service into one
 * mapping description, with the settings the `msk` event has no option for taken from
 * `resources.extensions.<LogicalId>.Properties` (the same values CloudFormation deploys).
 */
import { clusterNameToken } from '../../deploy/arns';
import type { ServerlessService } from '../../deploy/serverless-types';
import { kafkaTriggerEvents, type TriggerNaming } from '../../deploy/trigger-events';

export type StartingPosition = 'LATEST' | 'TRIM_HORIZON' | 'AT_TIMESTAMP';

export interface MappingConfig {
  /** Function key in serverless.yml (`inventory`). */
  functionKey: string;
  /** Deployed name (`<service>-<stage>-<fn>`), used on serverless-offline's invoke path. */
  functionName: string;
  /** Logical id of the generated AWS::Lambda::EventSourceMapping. */
  logicalId: string;
  kind: 'msk' | 'kafka';
  /** MSK: the cluster ARN (a Ref to a template Parameter resolves to its Default). */
  eventSourceArn?: string;
  /** Brokers the poller connects to and that the event reports in `bootstrapServers`. */
  brokers: string[];
  topic: string;
  groupId: string;
  batchSize: number;
  batchingWindowMs: number;
  startingPosition: StartingPosition;
  startingPositionTimestamp?: number;
  enabled: boolean;
  reportBatchItemFailures: boolean;
  /** -1: infinite. */
  maximumRetryAttempts: number;
  /** -1: infinite. */
  maximumRecordAgeSeconds: number;
  bisectOnError: boolean;
  /** Kafka topic of a `kafka://<topic>` on-failure destination. */
  onFailureTopic?: string;
  /** Any other destination (SQS/SNS/S3): cannot be emulated, records are logged and skipped. */
  onFailureOther?: string;
  /** The function's timeout. */
  timeoutMs: number;
  /** FilterCriteria.Filters[].Pattern: JSON patterns, ORed; empty: every record is delivered. */
  filterPatterns: string[];
}

export interface PluginSettings {
  /** `custom.offlineKafka.enabled`; false turns every local trigger off. */
  enabled: boolean;
  /** Only these function keys (default: all). */
  functions?: string[];
  /** Seconds between lag reports in the log (0: off). */
  lagIntervalSeconds: number;
  /** Port of the local lag endpoint `GET /lag` (0 or absent: no endpoint). */
  lagPort?: number;
  /** Upper bound for in-flight invocations to finish on shutdown. */
  shutdownTimeoutSeconds: number;
  /** Partitions of a mapping topic that is missing and not in the event catalog. */
  defaultPartitions: number;
  /** How functions are invoked: serverless-offline's Lambda API in process (default) or its HTTP invoke endpoint. */
  invoke: 'lambda' | 'http';
  /** Invocations of one mapping in flight at once (see poller.ts); unbounded when absent. */
  concurrency?: number;
}

const DEFAULT_BATCH_SIZE = 100;
/** Lambda's default batching window for Kafka sources. */
const DEFAULT_BATCHING_WINDOW_MS = 500;
const DEFAULT_TIMEOUT_SECONDS = 6;

export function pluginSettings(service: ServerlessService): PluginSettings {
  const raw = (service.custom?.offlineKafka ?? {}) as Record<string, unknown>;
  return {
    enabled: raw.enabled === undefined ? true : toBoolean(raw.enabled),
    functions: functionList(raw.functions),
    lagIntervalSeconds: toNumber(raw.lagIntervalSeconds, 10),
    lagPort: raw.lagPort === undefined ? undefined : toNumber(raw.lagPort, 0),
    shutdownTimeoutSeconds: toNumber(raw.shutdownTimeoutSeconds, 10),
    defaultPartitions: toNumber(raw.defaultPartitions, 3),
    invoke: raw.invoke === 'http' ? 'http' : 'lambda',
    concurrency: raw.concurrency === undefined || raw.concurrency === '' ? undefined : Math.max(1, toNumber(raw.concurrency, 1)),
  };
}

/** Every Kafka mapping of the service, in function order. */
export function readMappings(service: ServerlessService, naming: TriggerNaming, env: NodeJS.ProcessEnv = process.env): MappingConfig[] {
  const stage = service.provider.stage ?? 'dev';
  return kafkaTriggerEvents(service, naming).map(({ kind, functionKey, fn, event, logicalId }) => {
    const environment = { ...(service.provider.environment ?? {}), ...(fn.environment ?? {}) };
    const extension = extensionProperties(service, logicalId);
    // The kafka event has its own option for the destination; an extension wins like in CloudFormation.
    if (kind === 'kafka' && event.onFailureDestination && !extension.DestinationConfig) {
      extension.DestinationConfig = { OnFailure: { Destination: event.onFailureDestination } };
    }
    const eventServers = kind === 'kafka' && Array.isArray(event.bootstrapServers) ? event.bootstrapServers.map(String) : undefined;
    return build({
      functionKey,
      functionName: fn.name ?? `${service.service}-${stage}-${functionKey}`,
      logicalId,
      kind,
      eventSourceArn: kind === 'msk' ? resolveArn(event.arn, service) : undefined,
      brokers: brokersFor(environment, env, eventServers),
      timeoutMs: toNumber(fn.timeout ?? service.provider.timeout, DEFAULT_TIMEOUT_SECONDS) * 1000,
      event,
      extension,
    });
  });
}

function build(
  input: Pick<MappingConfig, 'functionKey' | 'functionName' | 'logicalId' | 'kind' | 'eventSourceArn' | 'brokers' | 'timeoutMs'> & {
    event: Record<string, unknown>;
    extension: Record<string, unknown>;
  },
): MappingConfig {
  const { event, extension } = input;
  const destination = (extension.DestinationConfig as { OnFailure?: { Destination?: unknown } } | undefined)?.OnFailure?.Destination;
  const destinationString = destination === undefined || destination === null ? undefined : String(destination);
  const kafkaDestination = destinationString?.startsWith('kafka://') ? destinationString.slice('kafka://'.length) : undefined;
  const responseTypes = Array.isArray(extension.FunctionResponseTypes) ? extension.FunctionResponseTypes.map(String) : [];
  const topic = String(event.topic);
  const startingPosition = String(extension.StartingPosition ?? event.startingPosition ?? 'TRIM_HORIZON') as StartingPosition;
  const window = extension.MaximumBatchingWindowInSeconds ?? event.maximumBatchingWindow;
  const groupFromExtension =
    (extension.AmazonManagedKafkaEventSourceConfig as { ConsumerGroupId?: unknown } | undefined)?.ConsumerGroupId ??
    (extension.SelfManagedKafkaEventSourceConfig as { ConsumerGroupId?: unknown } | undefined)?.ConsumerGroupId;
  return {
    functionKey: input.functionKey,
    functionName: input.functionName,
    logicalId: input.logicalId,
    kind: input.kind,
    eventSourceArn: input.eventSourceArn,
    brokers: input.brokers,
    topic,
    // Lambda names an unnamed group after the mapping's UUID; locally the logical id is as stable.
    groupId: String(groupFromExtension ?? event.consumerGroupId ?? input.logicalId),
    batchSize: toNumber(extension.BatchSize ?? event.batchSize, DEFAULT_BATCH_SIZE),
    batchingWindowMs: window === undefined || window === null ? DEFAULT_BATCHING_WINDOW_MS : toNumber(window, 0) * 1000,
    startingPosition,
    startingPositionTimestamp:
      extension.StartingPositionTimestamp !== undefined || event.startingPositionTimestamp !== undefined
        ? toNumber(extension.StartingPositionTimestamp ?? event.startingPositionTimestamp, 0)
        : undefined,
    enabled: extension.Enabled !== undefined ? toBoolean(extension.Enabled) : event.enabled !== undefined ? toBoolean(event.enabled) : true,
    reportBatchItemFailures: responseTypes.includes('ReportBatchItemFailures'),
    maximumRetryAttempts: toNumber(extension.MaximumRetryAttempts, -1),
    maximumRecordAgeSeconds: toNumber(extension.MaximumRecordAgeInSeconds, -1),
    bisectOnError: toBoolean(extension.BisectBatchOnFunctionError ?? false),
    onFailureTopic: kafkaDestination,
    onFailureOther: destinationString && !kafkaDestination ? destinationString : undefined,
    timeoutMs: input.timeoutMs,
    filterPatterns: filterPatterns(extension.FilterCriteria, event.filterPatterns),
  };
}

/**
 * The mapping's filter patterns: an extension's FilterCriteria wins (it replaces the generated one
 * in CloudFormation); else the event's `filterPatterns`, serialised as osls serialises them.
 */
function filterPatterns(criteria: unknown, eventPatterns: unknown): string[] {
  const filters = (criteria as { Filters?: unknown } | undefined)?.Filters;
  if (Array.isArray(filters)) return filters.map((f) => String((f as { Pattern?: unknown }).Pattern ?? ''));
  return Array.isArray(eventPatterns) ? eventPatterns.map((pattern) => JSON.stringify(pattern)) : [];
}

function extensionProperties(service: ServerlessService, logicalId: string): Record<string, unknown> {
  return { ...(service.resources?.extensions?.[logicalId]?.Properties ?? {}) };
}

/** A literal ARN, or a `Ref` to a template Parameter (its Default); anything else gets a placeholder ARN. */
export function resolveArn(arn: unknown, service: ServerlessService): string {
  if (typeof arn === 'string') return arn;
  const object = (arn ?? {}) as Record<string, unknown>;
  const region = service.provider.region ?? 'us-east-1';
  if (typeof object.Ref === 'string') {
    const fallback = service.resources?.Parameters?.[object.Ref]?.Default;
    if (typeof fallback === 'string' && fallback) return fallback;
    return `arn:aws:kafka:${region}:000000000000:cluster/${object.Ref}/local`;
  }
  return `arn:aws:kafka:${region}:000000000000:cluster/${clusterNameToken(arn)}/local`;
}

/** The function's (resolved) KAFKA_BROKERS, else the process's, else the event's bootstrap servers. */
function brokersFor(functionEnv: Record<string, unknown>, processEnv: NodeJS.ProcessEnv, eventServers: string[] | undefined): string[] {
  const candidates = [functionEnv.KAFKA_BROKERS, processEnv.KAFKA_BROKERS, eventServers?.join(',')];
  for (const candidate of candidates) {
    if (typeof candidate === 'string' && candidate.trim()) {
      return candidate
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean);
    }
  }
  return ['127.0.0.1:9092'];
}

/** A list, or a comma-separated string (handy with `${env:...}`); empty means every function. */
function functionList(value: unknown): string[] | undefined {
  const list = Array.isArray(value) ? value.map(String) : typeof value === 'string' ? value.split(',') : [];
  const names = list.map((s) => s.trim()).filter(Boolean);
  return names.length > 0 ? names : undefined;
}

function toNumber(value: unknown, fallback: number): number {
  if (value === undefined || value === null || value === '') return fallback;
  const n = Number(value);
  return Number.isFinite(n) ? n : fallback;
}

function toBoolean(value: unknown): boolean {
  return value === true || value === 'true';
}
