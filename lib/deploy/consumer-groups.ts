/**
 * A consumer function's handler and its `msk` event must name the same consumer group and topic.
 * Both take the group from events/catalog.ts (`CONSUMER_GROUP`), but nothing else ties a function
 * file to its mapping: a handler built for another group would deploy, then fail at run time (its
 * role allows the mapping's group, its dead letters go to another group's topic). Checked when
 * packaging, from the handler module itself (`kafkaConsumer` results carry `.consumer`).
 *
 * @example
 * const problems = consumerGroupProblems(mskTriggerEvents(service, naming), (handler) => declaredConsumer(loadHandler(serviceDir, handler)));
 * if (problems.length > 0) throw new Error(problems.join('\n'));
 */
import { join } from 'node:path';
import { require as tsxRequire } from 'tsx/cjs/api';
import { z } from 'zod';
import type { KafkaTriggerEvent } from './trigger-events';

const declaration = z.object({ group: z.string().min(1), topic: z.string().min(1) });

/** The group and topic a consumer handler was built for (lib/consumer `handler.consumer`). */
export type DeclaredConsumer = z.infer<typeof declaration>;

/** What a handler export declares; undefined when it was not built by kafkaConsumer / kafkaBatchConsumer. */
export function declaredConsumer(handlerExport: unknown): DeclaredConsumer | undefined {
  if (typeof handlerExport !== 'function') return undefined;
  const parsed = declaration.safeParse((handlerExport as { consumer?: unknown }).consumer);
  return parsed.success ? parsed.data : undefined;
}

/** The export a serverless.yml `handler` (`functions/inventory.handler`) names, loaded with tsx from the service folder. */
export function loadHandler(serviceDir: string, handler: string): unknown {
  const dot = handler.lastIndexOf('.');
  const module: Record<string, unknown> = tsxRequire(join(serviceDir, handler.slice(0, dot)), __filename);
  return module[handler.slice(dot + 1)];
}

/** One line per `msk` event whose group or topic is not the one its function's handler declares. */
export function consumerGroupProblems(
  triggers: readonly Pick<KafkaTriggerEvent, 'functionKey' | 'fn' | 'event'>[],
  declarationOf: (handler: string) => DeclaredConsumer | undefined,
): string[] {
  return triggers.flatMap(({ functionKey, fn, event }) => {
    const handler = fn.handler ?? '';
    const declared = declarationOf(handler);
    const where = `Function "${functionKey}"`;
    if (!declared) {
      return [`${where}: its handler ${handler} is not a Kafka consumer: export what kafkaConsumer() or kafkaBatchConsumer() (lib/consumer) returns`];
    }
    const problems: string[] = [];
    if (event.consumerGroupId !== declared.group) {
      problems.push(
        `${where}: its msk event has consumerGroupId "${event.consumerGroupId}" but its handler ${handler} consumes as "${declared.group}": ` +
          `take both from the same CONSUMER_GROUP entry of events/catalog.ts (serverless.yml: \${self:custom.consumerGroup.${functionKey}})`,
      );
    }
    if (event.topic !== declared.topic) {
      problems.push(`${where}: its msk event reads topic "${event.topic}" but its handler ${handler} is built for "${declared.topic}"`);
    }
    return problems;
  });
}
