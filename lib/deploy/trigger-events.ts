/**
 * Every Kafka trigger of the service (`msk` and self-managed `kafka` events) with the logical id
 * osls gives its AWS::Lambda::EventSourceMapping: the deploy plugin and the local triggers find
 * them, and address their `resources.extensions` entries, the same way.
 *
 * @example
 * for (const trigger of kafkaTriggerEvents(service, naming)) {
 *   if (trigger.kind === 'msk') console.log(trigger.functionKey, trigger.event.consumerGroupId, trigger.logicalId);
 * }
 */
import { clusterNameToken } from './arns';
import type { AwsNaming, ServerlessFunction, ServerlessService } from './serverless-types';

/** The settings of an `msk` or `kafka` event this project reads; the rest stays as written. */
export interface KafkaEventSettings extends Record<string, unknown> {
  topic?: string;
  consumerGroupId?: string;
  arn?: unknown;
  filterPatterns?: unknown[];
}

/** The naming rules a trigger's logical id comes from. */
export type TriggerNaming = Pick<AwsNaming, 'getMSKEventLogicalId' | 'getKafkaEventLogicalId'>;

type FunctionSource = Pick<ServerlessService, 'getAllFunctions' | 'getFunction'>;

export interface KafkaTriggerEvent {
  kind: 'msk' | 'kafka';
  /** Function key in serverless.yml (`inventory`). */
  functionKey: string;
  fn: ServerlessFunction;
  /** The event's settings object itself (changes to it are changes to the service). */
  event: KafkaEventSettings;
  /** Logical id of the event source mapping in the template. */
  logicalId: string;
}

/** Every Kafka event of every function, in serverless.yml order. */
export function kafkaTriggerEvents(service: FunctionSource, naming: TriggerNaming): KafkaTriggerEvent[] {
  return service.getAllFunctions().flatMap((functionKey) => {
    const fn = service.getFunction(functionKey);
    return (fn.events ?? []).flatMap((raw): KafkaTriggerEvent[] => {
      if (raw.msk) {
        const event = raw.msk as KafkaEventSettings;
        const logicalId = naming.getMSKEventLogicalId(functionKey, clusterNameToken(event.arn), String(event.topic));
        return [{ kind: 'msk', functionKey, fn, event, logicalId }];
      }
      if (raw.kafka) {
        const event = raw.kafka as KafkaEventSettings;
        return [{ kind: 'kafka', functionKey, fn, event, logicalId: naming.getKafkaEventLogicalId(functionKey, String(event.topic)) }];
      }
      return [];
    });
  });
}

/** The `msk` events only (what the deploy plugin completes and checks). */
export function mskTriggerEvents(service: FunctionSource, naming: TriggerNaming): KafkaTriggerEvent[] {
  return kafkaTriggerEvents(service, naming).filter((trigger) => trigger.kind === 'msk');
}
