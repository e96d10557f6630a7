import { layerTracing } from '../../lib/deploy/tracing';

const ARN = 'arn:aws:lambda:eu-west-1:615299751070:layer:AWSOpenTelemetryDistroJs:8';

describe('the ADOT layer on AWS (stage parameter otelLayerArn)', () => {
  test('adds nothing when the parameter is empty', () => {
    expect(layerTracing('')).toBeUndefined();
    expect(layerTracing(undefined)).toBeUndefined();
  });

  test('adds the layer, its wrapper, our own Kafka propagation, and the X-Ray write actions', () => {
    const tracing = layerTracing(ARN);
    expect(tracing?.layers).toEqual([ARN]);
    expect(tracing?.environment).toMatchObject({ AWS_LAMBDA_EXEC_WRAPPER: '/opt/otel-instrument', OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'kafkajs' });
    expect(tracing?.statements[0]?.Action).toEqual(expect.arrayContaining(['xray:PutTraceSegments', 'xray:GetSamplingRules']));
  });

  test('refuses a value that is not a layer version ARN', () => {
    expect(() => layerTracing('AWSOpenTelemetryDistroJs')).toThrow(/not a Lambda layer version ARN/);
    expect(() => layerTracing(`${ARN.slice(0, -2)}`)).toThrow(/not a Lambda layer version ARN/);
  });
});
