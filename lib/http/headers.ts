/** Request headers: API Gateway passes them lower-cased, but tests and other callers may not. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** The value of header `name` (lower-case), whatever the case it was sent in. */
export function headerOf(event: APIGatewayProxyEventV2, name: string): string | undefined {
  for (const [key, value] of Object.entries(event.headers ?? {})) if (key.toLowerCase() === name) return value;
  return undefined;
}
