/**
 * What lib/deploy/alarms.ts is built from: the catalog's consumer groups with the function each
 * one's mapping invokes, and the thresholds of `custom.deploy.monitoring` (stage parameters).
 */
import { z } from 'zod';
import { consumerGroups } from '../../events/catalog';
import { DEFAULT_METRICS_NAMESPACE } from '../telemetry/metric-names';
import type { MonitoredGroup, MonitoringSettings } from './alarms';

/** A function's deployed name and the consumer groups of its Kafka events. */
export interface FunctionGroups {
  name: string;
  groups: readonly (string | undefined)[];
}

/**
 * Every consumer group of the catalog with its function. A group the catalog lists but no
 * function consumes fails the package: it would otherwise be deployed with nobody watching it.
 */
export function monitoredGroups(functions: readonly FunctionGroups[]): MonitoredGroup[] {
  return consumerGroups.map((group) => {
    const fn = functions.find((f) => f.groups.includes(group));
    if (!fn) throw new Error(`Consumer group "${group}" is in events/catalog.ts but no function has an msk event for it`);
    return { group, functionName: fn.name };
  });
}

const positive = z.coerce.number().positive();
const monitoringInput = z.object({
  service: z.string().min(1),
  namespace: z.string().min(1).default(DEFAULT_METRICS_NAMESPACE),
  alarmEmail: z
    .string()
    .trim()
    .refine((value) => value === '' || /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value), 'must be an e-mail address')
    .default(''),
  lagThreshold: positive.default(1000),
  lagMinutes: z.coerce.number().int().min(1).max(60).default(5),
  http5xxPercent: positive.max(100).default(1),
});

/** The settings of `custom.deploy.monitoring`, checked (a bad value names its field). */
export function monitoringSettings(raw: Record<string, unknown>, context: { stage: string; hasHttpApi: boolean }): MonitoringSettings {
  const parsed = monitoringInput.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`custom.deploy.monitoring.${issue?.path.join('.')}: ${issue?.message}`);
  }
  return { ...parsed.data, stage: context.stage, ...(context.hasHttpApi ? { httpApiLogicalId: 'HttpApi' } : {}) };
}
