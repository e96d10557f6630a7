/**
 * One kafkajs client per Lambda container, pointed at the right brokers.
 *
 * Brokers come from `KAFKA_BROKERS` (local broker, tests, or an override on AWS); otherwise from the
 * MSK cluster in `MSK_CLUSTER_ARN` via GetBootstrapBrokers (IAM listener, looked up once per
 * container). How to authenticate does not depend on where the brokers came from: `KAFKA_AUTH=iam`
 * (what serverless.yml sets on every cloud stage, and the default inside Lambda) means TLS with
 * SASL OAUTHBEARER tokens signed for IAM; `none` (local only) means plaintext.
 */
import type { Kafka, KafkaConfig, SASLOptions } from 'kafkajs';
import { config, resetConfig } from '../config';
import { log } from '../log';
import { kafkajs } from './kafkajs';
import { type KafkaLogSink, kafkajsLogging } from './log';

let client: Kafka | undefined;

/** Timeouts stay well below the shortest function timeout (10 s) so a dead broker fails fast. */
const CLIENT_TIMEOUTS = { connectionTimeout: 3000, requestTimeout: 5000, authenticationTimeout: 3000 } as const;

/** The container's shared kafkajs client. */
export function kafka(): Kafka {
  client ??= new (kafkajs().Kafka)(kafkaConfig());
  return client;
}

/** Drops the shared client (tests, or after the brokers changed). */
export function resetKafka(): void {
  client = undefined;
  resetConfig();
}

export function kafkaConfig(env: NodeJS.ProcessEnv = process.env): KafkaConfig {
  // Read afresh: clients are built rarely, and tests point them at other brokers.
  const settings = config(env);
  const useIam = settings.KAFKA_AUTH ? settings.KAFKA_AUTH === 'iam' : runsOnLambda(settings) || (!settings.KAFKA_BROKERS && Boolean(settings.MSK_CLUSTER_ARN));
  const brokers = settings.KAFKA_BROKERS
    ? settings.KAFKA_BROKERS.split(',').map((b) => b.trim())
    : settings.MSK_CLUSTER_ARN
      ? () => mskBootstrapBrokers(settings.MSK_CLUSTER_ARN as string, settings.AWS_REGION)
      : ['127.0.0.1:9092'];
  return {
    clientId: settings.KAFKA_CLIENT_ID,
    brokers,
    ...CLIENT_TIMEOUTS,
    retry: { initialRetryTime: 100, retries: 3, maxRetryTime: 1000 },
    ...kafkajsLogging(functionLog),
    ...(useIam ? { ssl: true, sasl: iamSasl(settings.AWS_REGION) } : {}),
  };
}

/** Inside a real Lambda container (not serverless-offline, which sets IS_OFFLINE). */
function runsOnLambda(settings: ReturnType<typeof config>): boolean {
  return Boolean(settings.AWS_LAMBDA_FUNCTION_NAME) && !settings.IS_OFFLINE;
}

/** kafkajs's lines in the function's structured log (lib/kafka/log.ts decides their level). */
const functionLog: KafkaLogSink = {
  get debugEnabled() {
    return log.getLevelName() === 'DEBUG';
  },
  write: (level, message, attributes) => log[level](message, attributes),
};

let bootstrap: Promise<string[]> | undefined;

/** The cluster's IAM bootstrap brokers, looked up once per container. */
async function mskBootstrapBrokers(clusterArn: string, region: string): Promise<string[]> {
  bootstrap ??= (async () => {
    const { KafkaClient, GetBootstrapBrokersCommand } = await import('@aws-sdk/client-kafka');
    const response = await new KafkaClient({ region }).send(new GetBootstrapBrokersCommand({ ClusterArn: clusterArn }));
    const brokers = response.BootstrapBrokerStringSaslIam ?? response.BootstrapBrokerStringPublicSaslIam;
    if (!brokers) throw new Error(`MSK cluster ${clusterArn} has no IAM bootstrap brokers: enable IAM access control on it`);
    return brokers.split(',');
  })().catch((error) => {
    bootstrap = undefined;
    throw error;
  });
  return bootstrap;
}

function iamSasl(region: string): SASLOptions {
  return {
    mechanism: 'oauthbearer',
    oauthBearerProvider: async () => {
      const { generateAuthToken } = await import('aws-msk-iam-sasl-signer-js');
      const { token } = await generateAuthToken({ region });
      return { value: token };
    },
  };
}
