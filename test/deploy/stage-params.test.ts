/**
 * Cloud stages refuse to package without their parameters, naming the one missing or malformed.
 */
import { CLOUD_PARAMS, packageStage } from './package';

const { mskClusterArn: _arn, ...withoutArn } = CLOUD_PARAMS;

describe('serverless package on a cloud stage', () => {
  it('fails naming mskClusterArn when the cluster ARN is not given', async () => {
    const result = await packageStage('prod', withoutArn);
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('Missing required parameter "mskClusterArn"');
    // Only the missing one is reported.
    expect(result.output).not.toContain('Missing required parameter "subnetIds"');
    expect(result.template).toBeUndefined();
  }, 120_000);

  it('fails naming a malformed parameter', async () => {
    const result = await packageStage('prod', { ...CLOUD_PARAMS, subnetIds: 'subnet-0a1b2c3d4e5f60718,vpc-123' });
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('Invalid parameter "subnetIds"');
    expect(result.output).toContain('vpc-123');
  }, 120_000);
});
