/**
 * A function whose `msk` event names another consumer group than its handler fails
 * `serverless package` (lib/deploy/consumer-groups.ts), naming the function and both groups.
 */
import { CONSUMER_GROUP } from '../../events/catalog';
import { CLOUD_PARAMS, packageStage } from './package';

jest.setTimeout(180_000);

test("an msk event with another group than its handler's fails packaging, naming both", async () => {
  // serverless.yml's own variables, written as they are there.
  const variable = (functionKey: string) => `\${self:custom.consumerGroup.${functionKey}}`;
  const own = variable('inventory');
  const result = await packageStage('prod', CLOUD_PARAMS, {
    editConfig: (yml) => {
      if (!yml.includes(`consumerGroupId: ${own}`)) throw new Error(`serverless.yml no longer gives inventory's msk event ${own}`);
      return yml.replace(`consumerGroupId: ${own}`, `consumerGroupId: ${variable('payment')}`);
    },
  });
  expect(result.code).not.toBe(0);
  expect(result.template).toBeUndefined();
  expect(result.output).toContain(
    `Function "inventory": its msk event has consumerGroupId "${CONSUMER_GROUP.payment}" but its handler functions/inventory.handler consumes as "${CONSUMER_GROUP.inventory}"`,
  );
});
