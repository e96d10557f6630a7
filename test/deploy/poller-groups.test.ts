/**
 * Provisioned poller groups in the template `serverless package` generates (nothing reaches AWS):
 * the stage's group on every Kafka mapping, and Lambda's group limits refused at packaging.
 */
import { consumerGroups } from '../../events/catalog';
import { CLOUD_PARAMS, packageStage, resourcesOfType } from './package';

jest.setTimeout(180_000);

test('prod puts every Kafka mapping in its poller group, with the per-mapping poller range', async () => {
  const result = await packageStage('prod', CLOUD_PARAMS);
  if (result.code !== 0 || !result.template) throw new Error(`serverless package failed:\n${result.output}`);
  const mappings = resourcesOfType(result.template, 'AWS::Lambda::EventSourceMapping');
  expect(mappings).toHaveLength(consumerGroups.length);
  for (const [, mapping] of mappings) {
    expect(mapping.Properties.ProvisionedPollerConfig).toEqual({ MinimumPollers: 1, MaximumPollers: 10, PollerGroupName: 'kafka-lambda-system-prod' });
  }
});

test('a group whose mappings could scale past 2000 pollers in all fails packaging, naming the group and the total', async () => {
  const result = await packageStage('dev', { ...CLOUD_PARAMS, pollerGroupName: 'shared-pollers', maximumPollers: '250' });
  expect(result.code).not.toBe(0);
  expect(result.template).toBeUndefined();
  expect(result.output).toContain(
    `poller group "shared-pollers": the MaximumPollers of its ${consumerGroups.length} mappings add up to ${consumerGroups.length * 250}; Lambda allows at most 2000 per group`,
  );
});
