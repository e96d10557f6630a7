/**
 * Least-privilege IAM for every function, generated from the event catalog.
 *
 * What a function may do on Kafka follows from what it is:
 * - a consumer (a function with an `msk` event for group G reading topic T): read T as G, write
 *   G's dead-letter topic (Lambda's on-failure destination and our own dead-lettering both write
 *   there), and publish what the catalog says G publishes;
 * - a producer (an HTTP function listed in the catalog's `publishers`): write exactly its topics;
 * - the topic provisioner: create and alter the catalog's topics, nothing else;
 * - a monitor (the catalog's `monitors`, e.g. /stats): describe every topic and group, nothing else;
 * - a dead-letter operator (the catalog's `deadLetterOperators`): read every dead-letter topic in
 *   the `<group>.dlq-console` and `<group>.dlq-redrive` groups; to redrive, also write every source
 *   topic;
 * - anything else (health, order lookups): no Kafka access at all.
 * Kafka control-plane actions (broker lookup) are granted on the cluster ARN only, and no
 * `kafka-cluster:*` action ever gets a `*` resource.
 *
 * @example
 * const access = kafkaAccessOf('inventory', [{ group: CONSUMER_GROUP.inventory, topic: orderPlaced.name }]);
 * const statements = kafkaStatements(access, mskArns(clusterArn));
 */
import {
  consoleReaderFor,
  consumerGroups,
  deadLetterOperators,
  deadLetterTopicFor,
  monitors,
  redriveGroupFor,
  topicOfGroup,
  topics,
  topicsPublishedBy,
} from '../../events/catalog';
import type { MskArns } from './arns';

export interface Statement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: unknown[] | string;
}

/** What one function does on Kafka. */
export interface KafkaAccess {
  /** The consumer group the function is, and the topic its event source mapping reads. */
  consumer?: { group: string; topic: string };
  /** Topics it publishes (the catalog's `publishers`), dead-letter topic excluded. */
  publishes: readonly string[];
  /** Topics it creates and alters (the deploy-time provisioner only). */
  manages: readonly string[];
  /** Whether it watches every group's lag and dead-letter depth (the catalog's `monitors`). */
  monitors?: boolean;
  /** What it does with dead letters (the catalog's `deadLetterOperators`). */
  deadLetters?: 'list' | 'redrive';
}

/** A function's msk trigger, as declared in serverless.yml. */
export interface KafkaTrigger {
  group: string;
  topic: string;
}

/**
 * The Kafka access of a function, from its triggers and the catalog. Fails on a trigger the catalog
 * does not know, so a function can never be deployed with permissions nobody declared.
 */
export function kafkaAccessOf(functionName: string, triggers: readonly KafkaTrigger[], manages: readonly string[] = []): KafkaAccess {
  if (triggers.length > 1) {
    throw new Error(`Function "${functionName}" has ${triggers.length} Kafka triggers: each consumer group is one function with one trigger`);
  }
  const trigger = triggers[0];
  if (!trigger) {
    const deadLetters = Object.hasOwn(deadLetterOperators, functionName) ? deadLetterOperators[functionName] : undefined;
    return { publishes: topicsPublishedBy(functionName), manages, monitors: monitors.includes(functionName), ...(deadLetters ? { deadLetters } : {}) };
  }
  const expected = topicOfGroup(trigger.group).name;
  if (trigger.topic !== expected) {
    throw new Error(
      `Function "${functionName}" reads "${trigger.topic}" as consumer group "${trigger.group}", but events/catalog.ts lists that group under "${expected}"`,
    );
  }
  return { consumer: { group: trigger.group, topic: trigger.topic }, publishes: topicsPublishedBy(trigger.group), manages };
}

/** Whether the function talks to Kafka at all. */
export function usesKafka(access: KafkaAccess): boolean {
  return Boolean(access.consumer) || access.publishes.length > 0 || access.manages.length > 0 || Boolean(access.monitors) || Boolean(access.deadLetters);
}

/** The IAM statements for a function's Kafka access on one MSK cluster (none if it uses no Kafka). */
export function kafkaStatements(access: KafkaAccess, arns: MskArns): Statement[] {
  if (!usesKafka(access)) return [];
  // Redrive republishes to the topic each dead letter came from: any topic of the catalog.
  const redriven = access.deadLetters === 'redrive' ? topics.map((t) => t.name) : [];
  const written = [...access.publishes, ...(access.consumer ? [deadLetterTopicFor(access.consumer.group)] : []), ...redriven];
  const clusterActions = ['kafka-cluster:Connect'];
  // Lambda's poller describes the cluster and reads its dynamic configuration before consuming, and
  // writes the on-failure destination as a producer: AWS's example policy for Kafka destinations
  // grants DescribeCluster (https://docs.aws.amazon.com/lambda/latest/dg/kafka-on-failure-destination.html).
  if (access.consumer) clusterActions.push('kafka-cluster:DescribeCluster', 'kafka-cluster:DescribeClusterDynamicConfiguration');
  // Our producer is idempotent (lib/kafka/publisher.ts): InitProducerId needs this on the cluster.
  if (written.length > 0) clusterActions.push('kafka-cluster:WriteDataIdempotently');

  const statements: Statement[] = [
    // The bootstrap brokers are looked up from the cluster ARN (lib/kafka/client.ts, and Lambda's poller).
    { Sid: 'MskBrokers', Effect: 'Allow', Action: ['kafka:DescribeCluster', 'kafka:DescribeClusterV2', 'kafka:GetBootstrapBrokers'], Resource: [arns.cluster] },
    { Sid: 'KafkaConnect', Effect: 'Allow', Action: clusterActions, Resource: [arns.cluster] },
  ];
  if (access.consumer) {
    statements.push(
      {
        Sid: 'KafkaReadTopic',
        Effect: 'Allow',
        Action: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
        Resource: [arns.topic(access.consumer.topic)],
      },
      {
        Sid: 'KafkaConsumerGroup',
        Effect: 'Allow',
        Action: ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'],
        Resource: [arns.group(access.consumer.group)],
      },
    );
  }
  if (written.length > 0) {
    statements.push({
      Sid: 'KafkaWriteTopics',
      Effect: 'Allow',
      Action: ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'],
      Resource: [...new Set(written)].map((topic) => arns.topic(topic)),
    });
  }
  if (access.monitors) {
    // Lag needs each topic's end offsets and each group's committed offsets; depth, the dead-letter topics' offsets.
    statements.push(
      {
        Sid: 'KafkaObserveTopics',
        Effect: 'Allow',
        Action: ['kafka-cluster:DescribeTopic'],
        Resource: [...topics.map((t) => t.name), ...consumerGroups.map(deadLetterTopicFor)].map((topic) => arns.topic(topic)),
      },
      { Sid: 'KafkaObserveGroups', Effect: 'Allow', Action: ['kafka-cluster:DescribeGroup'], Resource: consumerGroups.map((group) => arns.group(group)) },
    );
  }
  if (access.deadLetters) statements.push(...deadLetterStatements(arns));
  if (access.manages.length > 0) {
    statements.push({
      Sid: 'KafkaManageTopics',
      Effect: 'Allow',
      Action: [
        'kafka-cluster:DescribeTopic',
        'kafka-cluster:CreateTopic',
        'kafka-cluster:AlterTopic',
        'kafka-cluster:DescribeTopicDynamicConfiguration',
        'kafka-cluster:AlterTopicDynamicConfiguration',
      ],
      Resource: access.manages.map((topic) => arns.topic(topic)),
    });
  }
  return statements;
}

/** Reading every dead-letter topic, in the list readers' groups and the redrive groups (writes: see `written`). */
function deadLetterStatements(arns: MskArns): Statement[] {
  const groups = consumerGroups.flatMap((group) => [consoleReaderFor(group), redriveGroupFor(group)]);
  return [
    {
      Sid: 'KafkaReadDeadLetters',
      Effect: 'Allow',
      Action: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
      Resource: consumerGroups.map((group) => arns.topic(deadLetterTopicFor(group))),
    },
    {
      Sid: 'KafkaDeadLetterReaders',
      Effect: 'Allow',
      // Readers join their group (AlterGroup), listing reads the redrive group's offsets, redriving
      // commits them, and a list reader deletes its group when done.
      Action: ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup', 'kafka-cluster:DeleteGroup'],
      Resource: groups.map((group) => arns.group(group)),
    },
  ];
}

const partitionArn = (rest: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:${rest}` });

/** The ElastiCache cache and IAM-enabled user the functions connect as (stage parameters). */
export interface RedisIdentity {
  cacheName: string;
  userId: string;
  serverless: boolean;
}

/**
 * `elasticache:Connect` on the cache and on the user: what an IAM authentication token needs
 * (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/auth-iam.html). No `*`.
 */
export function redisStatements({ cacheName, userId, serverless }: RedisIdentity): Statement[] {
  const cache = `${serverless ? 'serverlesscache' : 'replicationgroup'}:${cacheName}`;
  return [
    {
      Sid: 'RedisConnect',
      Effect: 'Allow',
      Action: ['elasticache:Connect'],
      Resource: [
        partitionArn(`elasticache:\${AWS::Region}:\${AWS::AccountId}:${cache}`),
        partitionArn(`elasticache:\${AWS::Region}:\${AWS::AccountId}:user:${userId}`),
      ],
    },
  ];
}

/**
 * The execution role of one function: its own log group, the VPC network interfaces Lambda needs,
 * and its Kafka statements.
 */
export function functionRole({
  deployedName,
  kafka,
  redis = [],
  inVpc,
}: {
  deployedName: string;
  kafka: Statement[];
  redis?: Statement[];
  inVpc: boolean;
}): Record<string, unknown> {
  const statements: Statement[] = [
    {
      Sid: 'OwnLogGroup',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: [partitionArn(`logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${deployedName}:*`)],
    },
  ];
  if (inVpc) {
    // Network interfaces do not exist before Lambda creates them, and EC2's Describe actions have no
    // resource-level permissions: these are `*` in AWS's own AWSLambdaVPCAccessExecutionRole too.
    statements.push({
      Sid: 'VpcNetworkInterfaces',
      Effect: 'Allow',
      Action: [
        'ec2:CreateNetworkInterface',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DeleteNetworkInterface',
        'ec2:AssignPrivateIpAddresses',
        'ec2:UnassignPrivateIpAddresses',
        'ec2:DescribeSubnets',
        'ec2:DescribeSecurityGroups',
        'ec2:DescribeVpcs',
      ],
      Resource: '*',
    });
  }
  statements.push(...kafka, ...redis);
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: ['lambda.amazonaws.com'] }, Action: ['sts:AssumeRole'] }],
      },
      Policies: [{ PolicyName: 'least-privilege', PolicyDocument: { Version: '2012-10-17', Statement: statements } }],
    },
  };
}
