/**
 * Provisioned pollers of the Kafka event source mappings, and Lambda's rules for them, checked at
 * packaging so a template CloudFormation would reject never gets that far.
 *
 * From the Lambda API reference, ProvisionedPollerConfig
 * (https://docs.aws.amazon.com/lambda/latest/api/API_ProvisionedPollerConfig.html):
 * - MinimumPollers 1..200, MaximumPollers 1..2000 for Kafka sources;
 * - PollerGroupName "group[s] multiple ESMs within the event source's VPC to share Event Poller
 *   Unit (EPU) capacity ... You can group up to 100 ESMs per poller group and aggregate maximum
 *   pollers across all ESMs in a group cannot exceed 2000."
 * (MinimumPollers above MaximumPollers is refused too: the range would be empty.)
 */
export const POLLER_LIMITS = {
  minimumPollers: { min: 1, max: 200 },
  maximumPollers: { min: 1, max: 2000 },
  mappingsPerGroup: 100,
  maximumPollersPerGroup: 2000,
} as const;

export interface PollerConfig {
  MinimumPollers?: unknown;
  MaximumPollers?: unknown;
  PollerGroupName?: unknown;
}

export interface MappingPollers {
  /** Logical id of the AWS::Lambda::EventSourceMapping. */
  logicalId: string;
  config: PollerConfig;
}

/** Lambda's default MaximumPollers for Kafka, which counts towards a group's total when unset. */
const DEFAULT_MAXIMUM_POLLERS = 200;

/** Every rule the mappings break, one sentence each (empty when they are fine). */
export function pollerProblems(mappings: readonly MappingPollers[]): string[] {
  const problems: string[] = [];
  const groups = new Map<string, { mappings: string[]; maximumPollers: number }>();
  for (const { logicalId, config } of mappings) {
    const minimum = config.MinimumPollers;
    const maximum = config.MaximumPollers;
    for (const [name, value] of [
      ['MinimumPollers', minimum],
      ['MaximumPollers', maximum],
    ] as const) {
      if (value === undefined) continue;
      const range = name === 'MinimumPollers' ? POLLER_LIMITS.minimumPollers : POLLER_LIMITS.maximumPollers;
      if (!Number.isInteger(value) || (value as number) < range.min || (value as number) > range.max) {
        problems.push(`${logicalId}: ${name} is ${JSON.stringify(value)}; Lambda accepts a whole number from ${range.min} to ${range.max}`);
      }
    }
    if (typeof minimum === 'number' && typeof maximum === 'number' && minimum > maximum) {
      problems.push(`${logicalId}: MinimumPollers (${minimum}) is above MaximumPollers (${maximum})`);
    }
    const group = config.PollerGroupName;
    if (group === undefined || group === '') continue;
    if (typeof group !== 'string') {
      problems.push(`${logicalId}: PollerGroupName must be a string, not ${JSON.stringify(group)}`);
      continue;
    }
    const entry = groups.get(group) ?? { mappings: [], maximumPollers: 0 };
    entry.mappings.push(logicalId);
    entry.maximumPollers += typeof maximum === 'number' ? maximum : DEFAULT_MAXIMUM_POLLERS;
    groups.set(group, entry);
  }
  for (const [group, { mappings: members, maximumPollers }] of groups) {
    if (members.length > POLLER_LIMITS.mappingsPerGroup) {
      problems.push(`poller group "${group}" has ${members.length} event source mappings; Lambda allows at most ${POLLER_LIMITS.mappingsPerGroup} per group`);
    }
    if (maximumPollers > POLLER_LIMITS.maximumPollersPerGroup) {
      problems.push(
        `poller group "${group}": the MaximumPollers of its ${members.length} mappings add up to ${maximumPollers}; Lambda allows at most ${POLLER_LIMITS.maximumPollersPerGroup} per group (lower maximumPollers or split the group)`,
      );
    }
  }
  return problems;
}

/** The mapping's poller config with the stage's group, unless the mapping names one itself. */
export function withPollerGroup(config: PollerConfig | undefined, group: string): PollerConfig | undefined {
  if (!group) return config;
  if (config?.PollerGroupName !== undefined && config.PollerGroupName !== '') return config;
  return { ...(config ?? {}), PollerGroupName: group };
}
