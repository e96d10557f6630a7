/**
 * The deploy-time topic provisioner (the `KafkaTopics` custom resource) against a real, fresh
 * Kafka broker: CloudFormation's requests go to the handler, its answers to a local "S3" URL.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { Kafka, logLevel } from 'kafkajs';
import { consumerGroups, DEAD_LETTER_RETENTION_MS, deadLetterTopicFor, EVENT_RETENTION_MS, topics } from '../../events/catalog';
import { type TopicSpec, topicSpecs } from '../../lib/kafka/topics';
import { type CustomResourceResponse, handleTopicsResource } from '../../lib/kafka/topics-resource';
import { type RunningBroker, startBroker } from '../../lib/local/broker';

let broker: RunningBroker;
let kafka: Kafka;
let server: Server;
let responseUrl: string;
const answers: CustomResourceResponse[] = [];

beforeAll(async () => {
  // A broker of its own: the run's shared broker already has every topic.
  broker = await startBroker();
  kafka = new Kafka({ brokers: [broker.brokers], logLevel: logLevel.NOTHING });
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      expect(req.method).toBe('PUT');
      answers.push(JSON.parse(body) as CustomResourceResponse);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  responseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cfn-response?signature=x`;
}, 180_000);

afterAll(async () => {
  if (server) await new Promise((resolve) => server.close(resolve));
  await broker?.stop();
});

/** The specs as CloudFormation hands them over: every scalar a string. */
function asCloudFormation(specs: TopicSpec[]): unknown {
  return JSON.parse(JSON.stringify(specs, (_key, value) => (typeof value === 'number' ? String(value) : value)));
}

function cfnEvent(requestType: 'Create' | 'Update' | 'Delete', specs: TopicSpec[]): CloudFormationCustomResourceEvent {
  const common = {
    ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:provision',
    ResponseURL: responseUrl,
    StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/kafka-lambda-system-dev/1',
    RequestId: `request-${answers.length + 1}`,
    LogicalResourceId: 'KafkaTopics',
    ResourceType: 'Custom::KafkaTopics',
    ResourceProperties: { ServiceToken: 'x', Topics: asCloudFormation(specs) },
  };
  if (requestType === 'Create') return { ...common, RequestType: 'Create' };
  if (requestType === 'Update')
    return { ...common, RequestType: 'Update', PhysicalResourceId: 'kafka-topics:KafkaTopics', OldResourceProperties: common.ResourceProperties };
  return { ...common, RequestType: 'Delete', PhysicalResourceId: 'kafka-topics:KafkaTopics' };
}

const context = { getRemainingTimeInMillis: () => 60_000, logStreamName: 'test' };

async function run(event: CloudFormationCustomResourceEvent): Promise<CustomResourceResponse> {
  const before = answers.length;
  const response = await handleTopicsResource(event, context, () => kafka);
  // What CloudFormation received is what the handler says it answered.
  expect(answers.length).toBe(before + 1);
  expect(answers[answers.length - 1]).toEqual(response);
  return response;
}

async function partitionsOf(topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { topics: metadata } = await admin.fetchTopicMetadata({ topics: [topic] });
    return metadata[0]?.partitions.length ?? 0;
  } finally {
    await admin.disconnect();
  }
}

const specs = topicSpecs({ replicationFactor: 1 });
const allNames = [...topics.map((t) => t.name), ...consumerGroups.map(deadLetterTopicFor)];

describe('KafkaTopics custom resource', () => {
  it('creates every topic on the first run, with its partitions and retention', async () => {
    const response = await run(cfnEvent('Create', specs));
    expect(response).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: 'kafka-topics:KafkaTopics',
      Reason: `${specs.length} created, 0 updated, 0 unchanged`,
    });
    expect(response.Data?.Created?.split(',').sort()).toEqual([...allNames].sort());

    const admin = kafka.admin();
    await admin.connect();
    const existing = await admin.listTopics();
    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [
        { type: 2, name: 'order.placed' },
        { type: 2, name: 'inventory-service.dlq' },
      ],
    });
    await admin.disconnect();
    expect(existing).toEqual(expect.arrayContaining(allNames));
    expect(await partitionsOf('order.placed')).toBe(6);
    const retention = (name: string) =>
      configs.resources.find((r) => r.resourceName === name)?.configEntries.find((e) => e.configName === 'retention.ms')?.configValue;
    expect(retention('order.placed')).toBe(String(EVENT_RETENTION_MS));
    expect(retention('inventory-service.dlq')).toBe(String(DEAD_LETTER_RETENTION_MS));
  });

  it('leaves everything unchanged when run again with the same catalog', async () => {
    const response = await run(cfnEvent('Update', specs));
    expect(response).toMatchObject({ Status: 'SUCCESS', Reason: `0 created, 0 updated, ${specs.length} unchanged` });
  });

  it('grows a topic when the catalog asks for more partitions', async () => {
    const grown = specs.map((s) => (s.name === 'video.ready' ? { ...s, partitions: s.partitions + 1 } : s));
    const response = await run(cfnEvent('Update', grown));
    expect(response.Status).toBe('SUCCESS');
    expect(response.Data?.Updated).toBe('video.ready: partitions 3 -> 4');
    expect(await partitionsOf('video.ready')).toBe(4);
  });

  it('fails the deploy with a clear reason when asked to lower a partition count, and changes nothing', async () => {
    const lowered = specs.map((s) => (s.name === 'order.placed' ? { ...s, partitions: 3 } : s));
    const response = await run(cfnEvent('Update', lowered));
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain('TopicChangeError');
    expect(response.Reason).toContain('Topic order.placed has 6 partitions and the catalog asks for 3: Kafka cannot remove partitions');
    expect(await partitionsOf('order.placed')).toBe(6);
  });

  it('refuses malformed properties', async () => {
    const event = cfnEvent('Update', specs);
    event.ResourceProperties.Topics = [{ name: 'x', partitions: 'many' }];
    const response = await run(event);
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toMatch(/Invalid Topics property: 0\.partitions/);
  });

  it('keeps the topics when the stack is deleted', async () => {
    const response = await run(cfnEvent('Delete', specs));
    expect(response.Status).toBe('SUCCESS');
    expect(await partitionsOf('order.placed')).toBe(6);
  });
});
