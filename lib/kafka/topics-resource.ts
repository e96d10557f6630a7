/**
 * The `Custom::KafkaTopics` CloudFormation resource: brings the cluster's topics in line with the
 * list in its `Topics` property (the catalog's `topicSpecs`, written into the template at package
 * time) using `ensureTopics`, the same code that creates them locally.
 *
 * - Create / Update: creates missing topics, grows partitions, aligns retention; a change Kafka
 *   cannot apply (fewer partitions, another replication factor) fails the deploy with the reason.
 * - Delete: leaves every topic and its data alone (removing the stack must not lose events).
 * The answer always reaches CloudFormation, before the function times out, so a failure never
 * leaves the stack waiting for an hour.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import type { Kafka } from 'kafkajs';
import { z } from 'zod';
import { provision, type TopicReport } from './topics';

/** What CloudFormation is told (the body PUT to the event's ResponseURL). */
export interface CustomResourceResponse {
  Status: 'SUCCESS' | 'FAILED';
  Reason: string;
  PhysicalResourceId: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  Data?: Record<string, string>;
}

/** CloudFormation passes every property as a string: numbers are coerced back. */
const topicSpecsProperty = z
  .array(
    z.object({
      name: z.string().min(1).max(249),
      partitions: z.coerce.number().int().min(1),
      replicationFactor: z.coerce.number().int().min(1),
      configs: z.record(z.string(), z.coerce.string()),
    }),
  )
  .min(1);

/** Time kept back to answer CloudFormation when the work takes too long. */
const ANSWER_MARGIN_MS = 5000;

export async function handleTopicsResource(
  event: CloudFormationCustomResourceEvent,
  context: Pick<Context, 'getRemainingTimeInMillis' | 'logStreamName'>,
  kafka: () => Kafka,
  respond: (url: string, body: CustomResourceResponse) => Promise<void> = putResponse,
): Promise<CustomResourceResponse> {
  const physicalId = event.RequestType === 'Create' ? `kafka-topics:${event.LogicalResourceId}` : event.PhysicalResourceId;
  const base = { PhysicalResourceId: physicalId, StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId };
  let response: CustomResourceResponse;
  try {
    if (event.RequestType === 'Delete') {
      response = { ...base, Status: 'SUCCESS', Reason: 'Topics are kept when the stack is deleted (delete them with kafka-topics.sh if you mean to).' };
    } else {
      const parsed = topicSpecsProperty.safeParse(event.ResourceProperties.Topics);
      if (!parsed.success) throw new Error(`Invalid Topics property: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      const budget = Math.max(1000, context.getRemainingTimeInMillis() - ANSWER_MARGIN_MS);
      const report = await withDeadline(provision(kafka(), parsed.data), budget);
      response = { ...base, Status: 'SUCCESS', Reason: summary(report), Data: { Created: report.created.join(','), Updated: report.updated.join('; ') } };
    }
  } catch (error) {
    const message = error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error);
    // CloudFormation shows at most about 4 KB of reason.
    response = { ...base, Status: 'FAILED', Reason: message.slice(0, 3500) };
  }
  await respond(event.ResponseURL, response);
  return response;
}

function summary(report: TopicReport): string {
  return `${report.created.length} created, ${report.updated.length} updated, ${report.unchanged.length} unchanged`;
}

async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Kafka did not finish within ${ms} ms: are the brokers reachable from the function's subnets?`)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** PUTs the response to CloudFormation's pre-signed S3 URL (http allowed for tests). */
export function putResponse(url: string, body: CustomResourceResponse): Promise<void> {
  const payload = Buffer.from(JSON.stringify(body));
  const target = new URL(url);
  const send = target.protocol === 'http:' ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const req = send(target, { method: 'PUT', headers: { 'content-type': '', 'content-length': payload.length }, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => ((res.statusCode ?? 500) < 300 ? resolve() : reject(new Error(`CloudFormation answered ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error('Timed out answering CloudFormation')));
    req.on('error', reject);
    req.end(payload);
  });
}
