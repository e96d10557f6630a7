/**
 * ARNs of an MSK cluster's Kafka resources, derived from the cluster ARN, for IAM policies.
 *
 * MSK IAM access control names topics and consumer groups after the cluster's name and UUID:
 *   cluster  arn:aws:kafka:<region>:<account>:cluster/<clusterName>/<clusterUuid>
 *   topic    arn:aws:kafka:<region>:<account>:topic/<clusterName>/<clusterUuid>/<topic>
 *   group    arn:aws:kafka:<region>:<account>:group/<clusterName>/<clusterUuid>/<group>
 *
 * @example
 * const arns = mskArns('arn:aws:kafka:eu-west-1:123456789012:cluster/orders/5a8c...-3');
 * arns.topic('order.placed'); // arn:aws:kafka:eu-west-1:123456789012:topic/orders/5a8c...-3/order.placed
 */

const CLUSTER_ARN = /^arn:(aws[a-z-]*):kafka:([a-z0-9-]+):(\d{12}):cluster\/([A-Za-z0-9-]+)\/([A-Za-z0-9-]+)$/;

export interface MskArns {
  cluster: string;
  topic(name: string): string;
  group(name: string): string;
}

/** Whether `arn` is an MSK cluster ARN (provisioned or serverless). */
export function isMskClusterArn(arn: string): boolean {
  return CLUSTER_ARN.test(arn);
}

/** The cluster's topic and group ARNs; throws on anything that is not an MSK cluster ARN. */
export function mskArns(clusterArn: string): MskArns {
  const match = CLUSTER_ARN.exec(clusterArn);
  if (!match) {
    throw new Error(
      `"${clusterArn}" is not an MSK cluster ARN (expected arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>, as shown by \`aws kafka list-clusters-v2\`)`,
    );
  }
  const [, partition, region, account, name, uuid] = match;
  const prefix = `arn:${partition}:kafka:${region}:${account}`;
  return {
    cluster: clusterArn,
    topic: (topic) => `${prefix}:topic/${name}/${uuid}/${topic}`,
    group: (group) => `${prefix}:group/${name}/${uuid}/${group}`,
  };
}

/**
 * The cluster part of an MSK mapping's logical id, exactly as osls derives it from the event's `arn`
 * (its get-msk-cluster-name-token.js): the deploy plugin and the local triggers must agree on it.
 */
export function clusterNameToken(arn: unknown): string {
  if (arn && typeof arn === 'object') {
    const object = arn as Record<string, unknown>;
    if (object['Fn::ImportValue'] !== undefined) return String(object['Fn::ImportValue']);
    if (object.Ref !== undefined) return String(object.Ref);
  }
  return String(arn).split('/')[1] ?? String(arn);
}
