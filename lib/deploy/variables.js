/**
 * Values serverless.yml computes from the TypeScript sources, through `${file(...)}` variables:
 *
 *   Topics: ${file(./lib/deploy/variables.js):topicSpecs}
 *   operatorScope: ${file(./lib/deploy/variables.js):operatorScope}
 *   consumerGroup: ${file(./lib/deploy/variables.js):consumerGroup}
 *
 * The topics the deploy-time provisioner creates are the same list the local broker gets
 * (lib/kafka/topics.ts `topicSpecs`), with the stage's replication factor.
 */
const { require: tsxRequire } = require('tsx/cjs/api');

const { topicSpecs } = tsxRequire('../kafka/topics.ts', __filename);
const { OPERATOR_SCOPE } = tsxRequire('../http/scopes.ts', __filename);
const { CONSUMER_GROUP } = tsxRequire('../../events/catalog.ts', __filename);

module.exports = {
  /** The scope operator routes need (lib/http/scopes.ts). */
  operatorScope: OPERATOR_SCOPE,
  /** Each consumer function's group, by function key (events/catalog.ts). */
  consumerGroup: CONSUMER_GROUP,
  async topicSpecs({ resolveVariable }) {
    const text = String(await resolveVariable('param:replicationFactor'));
    const replicationFactor = Number(text);
    if (!Number.isInteger(replicationFactor) || replicationFactor < 1) {
      throw new Error(`Parameter "replicationFactor" must be a whole number of at least 1 (got "${text}")`);
    }
    return topicSpecs({ replicationFactor });
  },
};
