/**
 * Deploy-time topics: the handler of the `KafkaTopics` custom resource in serverless.yml. It runs
 * in the cluster's VPC whenever the catalog's topics change, and creates or updates them with
 * lib/kafka/topics.ts `ensureTopics` (see lib/kafka/topics-resource.ts).
 */
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { kafka } from '../lib/kafka/client';
import { handleTopicsResource } from '../lib/kafka/topics-resource';

export const handler = async (event: CloudFormationCustomResourceEvent, context: Context): Promise<void> => {
  const response = await handleTopicsResource(event, context, kafka);
  console.log(JSON.stringify({ message: 'KafkaTopics', requestType: event.RequestType, status: response.Status, reason: response.Reason }));
};
