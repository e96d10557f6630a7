/**
 * Exporting the functions' spans on AWS: the AWS Distro for OpenTelemetry Node.js Lambda layer
 * (the `AWSOpenTelemetryDistroJs` family), added to every function when the stage parameter
 * `otelLayerArn` names it. The layer registers the OpenTelemetry SDK that our `@opentelemetry/api`
 * calls use and sends spans, with no collector to run, to CloudWatch's OTLP traces endpoint
 * (X-Ray, Transaction Search enabled), signed with the function's role
 * (https://aws-otel.github.io/docs/getting-started/lambda,
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-OTLP-UsingADOT.html).
 *
 * - `AWS_LAMBDA_EXEC_WRAPPER=/opt/otel-instrument` starts the layer's wrapper before the handler;
 * - its kafkajs instrumentation is turned off: our publisher and consumer runtime already carry
 *   W3C trace context in the record headers and make the messaging spans; the layer's would add a
 *   second `send` span per record and overwrite `traceparent` with it;
 * - the role gets what AWS's AWSXrayWriteOnlyPolicy grants (X-Ray actions have no resource-level
 *   permissions, so their resource is `*`).
 *
 * @example
 * const tracing = layerTracing('arn:aws:lambda:eu-west-1:615299751070:layer:AWSOpenTelemetryDistroJs:8');
 * // { layers: [...], environment: { AWS_LAMBDA_EXEC_WRAPPER: '/opt/otel-instrument', ... }, statements: [...] }
 */
import type { Statement } from './iam';

export interface LayerTracing {
  layers: string[];
  environment: Record<string, string>;
  statements: Statement[];
}

const LAYER_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:layer:[A-Za-z0-9_-]+:\d+$/;

/** What every function gets for the ADOT layer `layerArn`; nothing when it is empty (no export on AWS). */
export function layerTracing(layerArn: string | undefined): LayerTracing | undefined {
  const arn = layerArn?.trim() ?? '';
  if (arn === '') return undefined;
  if (!LAYER_ARN.test(arn))
    throw new Error(`otelLayerArn "${arn}" is not a Lambda layer version ARN (arn:aws:lambda:<region>:<account>:layer:<name>:<version>)`);
  return {
    layers: [arn],
    environment: {
      AWS_LAMBDA_EXEC_WRAPPER: '/opt/otel-instrument',
      OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'kafkajs',
      // Application Signals duplicates Transaction Search's cost (CloudWatch-OTLP-UsingADOT.html).
      OTEL_AWS_APPLICATION_SIGNALS_ENABLED: 'false',
    },
    statements: [
      {
        Sid: 'XRayWriteSpans',
        Effect: 'Allow',
        Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets', 'xray:GetSamplingStatisticSummaries'],
        Resource: '*',
      },
    ],
  };
}
