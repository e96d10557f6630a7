/** API Gateway HTTP API (payload v2) events, as the gateway hands them to a function after its JWT authorizer. */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';

export interface HttpEventOptions {
  method?: string;
  path?: string;
  body?: string | object;
  headers?: Record<string, string>;
  /** Token subject; `null` for a request the authorizer did not authenticate. */
  subject?: string | null;
  /** Scopes the token grants (AWS passes them as `scope` claim and as `authorizer.jwt.scopes`). */
  scopes?: string[];
  pathParameters?: Record<string, string>;
  isBase64Encoded?: boolean;
}

export function httpEvent(options: HttpEventOptions = {}): APIGatewayProxyEventV2 {
  const method = options.method ?? 'POST';
  const path = options.path ?? '/';
  const body = typeof options.body === 'object' ? JSON.stringify(options.body) : options.body;
  const subject = options.subject === undefined ? 'customer-1' : options.subject;
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...options.headers },
    body,
    isBase64Encoded: options.isBase64Encoded ?? false,
    pathParameters: options.pathParameters,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: '127.0.0.1',
      domainPrefix: '127',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' },
      requestId: 'req-1',
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
      ...(subject === null
        ? {}
        : {
            authorizer: {
              jwt: {
                claims: { sub: subject, iss: 'test', aud: 'test', ...(options.scopes ? { scope: options.scopes.join(' ') } : {}) },
                scopes: options.scopes ?? [],
              },
            },
          }),
    },
  } as unknown as APIGatewayProxyEventV2;
}

export function lambdaContext(timeoutMs = 10_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'test',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:test',
    memoryLimitInMB: '512',
    awsRequestId: `req-${Math.random().toString(36).slice(2)}`,
    logGroupName: '/aws/lambda/test',
    logStreamName: 'test',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/** Invokes an HTTP handler in-process and parses its JSON body. */
export async function invokeHttp(handler: HttpHandler, options: HttpEventOptions = {}) {
  const response = await handler(httpEvent(options), lambdaContext());
  const text = typeof response.body === 'string' ? response.body : '';
  return {
    status: response.statusCode ?? 200,
    headers: (response.headers ?? {}) as Record<string, string>,
    json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
  };
}
