/**
 * The alarm and dashboard builder on its own: what a consumer group added to the catalog gets,
 * and what the settings change.
 */
import { consumerGroups } from '../../events/catalog';
import { type CfnResource, GROUP_ALARMS, monitoringResources } from '../../lib/deploy/alarms';
import { monitoredGroups, monitoringSettings } from '../../lib/deploy/monitoring';

const settings = monitoringSettings({ service: 'svc', lagThreshold: '250', lagMinutes: '3' }, { stage: 'dev', hasHttpApi: true });
const base = [{ group: 'inventory-service', functionName: 'svc-dev-inventory' }];

function alarmsOf(resources: Record<string, CfnResource>): string[] {
  return Object.entries(resources)
    .filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm')
    .map(([id]) => id)
    .sort();
}

function dashboardRows(resources: Record<string, CfnResource>): number {
  const body = JSON.parse(((resources.OperationsDashboard as CfnResource).Properties.DashboardBody as { 'Fn::Sub': string })['Fn::Sub']) as {
    widgets: { y: number }[];
  };
  return new Set(body.widgets.map((w) => w.y)).size;
}

it('gives a new consumer group its four alarms and a dashboard row', () => {
  const before = monitoringResources(base, settings);
  const after = monitoringResources([...base, { group: 'virus-scan-service', functionName: 'svc-dev-virusScan' }], settings);
  expect(alarmsOf(after).filter((id) => !alarmsOf(before).includes(id))).toEqual(GROUP_ALARMS.map((kind) => `VirusScanService${kind}`).sort());
  expect([dashboardRows(before), dashboardRows(after)]).toEqual([1, 2]);
  expect(after.VirusScanServiceLagAlarm?.Properties).toMatchObject({
    Dimensions: [{ Name: 'FunctionName', Value: 'svc-dev-virusScan' }],
    Threshold: 250,
    EvaluationPeriods: 3,
  });
});

it('subscribes no address unless alarmEmail is set, and no HTTP alarm without an HTTP API', () => {
  const resources = monitoringResources(base, monitoringSettings({ service: 'svc', alarmEmail: '' }, { stage: 'dev', hasHttpApi: false }));
  expect(Object.values(resources).filter((r) => r.Type === 'AWS::SNS::Subscription')).toEqual([]);
  expect(resources.HttpApi5xxRateAlarm).toBeUndefined();
  expect(resources.AlarmTopic?.Type).toBe('AWS::SNS::Topic');
});

it('names the setting that is wrong', () => {
  expect(() => monitoringSettings({ service: 'svc', alarmEmail: 'not-an-address' }, { stage: 'dev', hasHttpApi: true })).toThrow(
    'custom.deploy.monitoring.alarmEmail: must be an e-mail address',
  );
  expect(() => monitoringSettings({ service: 'svc', lagMinutes: '0' }, { stage: 'dev', hasHttpApi: true })).toThrow('custom.deploy.monitoring.lagMinutes');
});

it('follows the catalog: every group needs a function, and each gets the function that consumes it', () => {
  const functions = consumerGroups.map((group) => ({ name: `fn-${group}`, groups: [group] }));
  expect(monitoredGroups(functions).map((g) => [g.group, g.functionName])).toEqual(consumerGroups.map((g) => [g, `fn-${g}`]));
  expect(() => monitoredGroups(functions.slice(1))).toThrow(
    `Consumer group "${consumerGroups[0]}" is in events/catalog.ts but no function has an msk event for it`,
  );
});
