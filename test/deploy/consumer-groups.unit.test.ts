/** The packaging check that a consumer function's handler and its msk event name the same group and topic. */
import { CONSUMER_GROUP, orderPlaced, userEvents } from '../../events/catalog';
import { handler as health } from '../../functions/health';
import { handler as inventory } from '../../functions/inventory';
import { handler as pageViews } from '../../functions/pageViews';
import { consumerGroupProblems, type DeclaredConsumer, declaredConsumer } from '../../lib/deploy/consumer-groups';

describe('declaredConsumer', () => {
  it('reads the group and topic a function file built its handler for', () => {
    expect(declaredConsumer(inventory)).toEqual({ group: CONSUMER_GROUP.inventory, topic: orderPlaced.name });
    expect(declaredConsumer(pageViews)).toEqual({ group: CONSUMER_GROUP.pageViews, topic: userEvents.name });
  });

  it('finds nothing on a handler that is not a Kafka consumer', () => {
    expect(declaredConsumer(health)).toBeUndefined();
    expect(declaredConsumer(undefined)).toBeUndefined();
  });
});

describe('consumerGroupProblems', () => {
  const declared: Record<string, DeclaredConsumer> = {
    'functions/inventory.handler': { group: CONSUMER_GROUP.inventory, topic: orderPlaced.name },
  };
  const trigger = (event: { consumerGroupId: string; topic: string }, handler = 'functions/inventory.handler') => ({
    functionKey: 'inventory',
    fn: { handler },
    event,
  });
  const problems = (...triggers: ReturnType<typeof trigger>[]) => consumerGroupProblems(triggers, (handler) => declared[handler]);

  it('accepts a mapping with the handler’s group and topic', () => {
    expect(problems(trigger({ consumerGroupId: CONSUMER_GROUP.inventory, topic: orderPlaced.name }))).toEqual([]);
  });

  it('names the function and both groups when they differ', () => {
    expect(problems(trigger({ consumerGroupId: CONSUMER_GROUP.payment, topic: orderPlaced.name }))).toEqual([
      expect.stringContaining(
        `Function "inventory": its msk event has consumerGroupId "${CONSUMER_GROUP.payment}" but its handler functions/inventory.handler consumes as "${CONSUMER_GROUP.inventory}"`,
      ),
    ]);
  });

  it('names both topics when they differ', () => {
    expect(problems(trigger({ consumerGroupId: CONSUMER_GROUP.inventory, topic: userEvents.name }))).toEqual([
      `Function "inventory": its msk event reads topic "${userEvents.name}" but its handler functions/inventory.handler is built for "${orderPlaced.name}"`,
    ]);
  });

  it('refuses a handler that declares no consumer', () => {
    expect(problems(trigger({ consumerGroupId: CONSUMER_GROUP.inventory, topic: orderPlaced.name }, 'functions/health.handler'))).toEqual([
      expect.stringContaining('its handler functions/health.handler is not a Kafka consumer'),
    ]);
  });
});
