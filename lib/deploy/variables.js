/**
 * Values serverless.yml computes from the TypeScript sources, through `${file(...)}` variables:
 *
 *   Topics: ${file(./lib/deploy/variables.js):topicSpecs}
 *
 * The topics the deploy-time provisioner creates are the same list the local broker gets
 * (lib/kafka/topics.ts `topicSpecs`), with the stage's replication factor.
 */
const { require: tsxRequire } = require('tsx/cjs/api');

const { topicSpecs } = tsxRequire('../kafka/topics.ts', __filename);

module.exports = {
  async topicSpecs({ resolveVariable }) {
    const text = String(await resolveVariable('param:replicationFactor'));
    const replicationFactor = Number(text);
    if (!Number.isInteger(replicationFactor) || replicationFactor < 1) {
      throw new Error(`Parameter "replicationFactor" must be a whole number of at least 1 (got "${text}")`);
    }
    return topicSpecs({ replicationFactor });
  },
};
