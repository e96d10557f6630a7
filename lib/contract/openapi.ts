/**
 * The OpenAPI 3.1 document of the HTTP API, generated from the routes of serverless.yml and the
 * zod schemas their handlers validate with (lib/contract/routes.ts): request bodies, path
 * parameters, success answers, the problem+json errors every route can give (lib/http/api.ts
 * decides which: 400/413/415 with a body, 401 behind the JWT authorizer, 503 when the function
 * publishes to Kafka) and the JWT security scheme of the API Gateway authorizer.
 *
 * Used by scripts/contract.ts and tests only: nothing here is bundled into a Lambda.
 */
import type { z } from 'zod';
import { jsonSchemaOf } from './json-schema';
import { problemDetails } from './problem';
import type { HttpRoute } from './routes';

type Json = Record<string, unknown>;

export interface ApiInput {
  routes: readonly HttpRoute[];
  /** Function name → topics it publishes (the catalog's `publishers`): those answer 503 when Kafka does not. */
  publishers: Readonly<Record<string, readonly string[]>>;
  version: string;
}

/** Name of the security scheme, as serverless.yml names the authorizer. */
const SECURITY_SCHEME = 'jwt';
const PROBLEM = { $ref: '#/components/schemas/Problem' };

const schemaOf = (schema: z.ZodType, io: 'input' | 'output') => jsonSchemaOf(schema, 'draft-2020-12', io);

function problem(description: string, headers: Json = {}): Json {
  return { description, ...(Object.keys(headers).length > 0 ? { headers } : {}), content: { 'application/problem+json': { schema: PROBLEM } } };
}

const headerObject = (description: string) => ({ description, schema: { type: 'string' } });

/** "POST /checkout — places an order: ..." → "Places an order". */
function summaryOf(doc: string): string {
  const text = doc.replace(/^[A-Z]+ \S+\s+—\s+/, '').replace(/\s+/g, ' ');
  const sentence = text.split(/[.:;](?:\s|$)/)[0] ?? text;
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}

function pathParameters(route: HttpRoute): Json[] {
  return [...route.path.matchAll(/\{([^}+]+)\+?\}/g)].map(([, name = '']) => {
    const schema = route.contract.docs.pathParameters?.[name];
    return { name, in: 'path', required: true, schema: schema ? schemaOf(schema, 'input') : { type: 'string' } };
  });
}

function responses(route: HttpRoute, publishes: boolean, hasParameters: boolean): Json {
  const answers: Json = {};
  const declared = Object.entries(route.contract.docs.responses ?? {});
  for (const [status, answer] of declared) {
    const headers = Object.fromEntries(Object.entries(answer.headers ?? {}).map(([name, description]) => [name, headerObject(description)]));
    if (Number(status) >= 400) {
      answers[status] = problem(answer.description, headers);
      continue;
    }
    const contentType = answer.contentType ?? 'application/json';
    answers[status] = {
      description: answer.description,
      ...(Object.keys(headers).length > 0 ? { headers } : {}),
      ...(answer.body || answer.contentType
        ? { content: { [contentType]: { schema: answer.body ? schemaOf(answer.body, 'output') : { type: 'string' } } } }
        : {}),
    };
  }
  if (!declared.some(([status]) => Number(status) < 400)) answers['200'] = { description: 'OK' };
  const { body, maxBodyBytes } = route.contract;
  if (body || hasParameters) answers['400'] ??= problem('Invalid request: `errors` names each field at fault (e.g. `items.0.quantity`).');
  if (route.authorized) answers['401'] ??= problem('No valid bearer token.', { 'www-authenticate': headerObject('`Bearer`') });
  if (route.scope) answers['403'] ??= problem(`The token lacks the \`${route.scope}\` scope this operator route requires.`);
  if (body) {
    answers['413'] ??= problem(`The body is larger than ${maxBodyBytes} bytes.`);
    answers['415'] ??= problem('The body was not sent as `application/json`.');
  }
  answers['500'] ??= problem('Unexpected error.');
  if (publishes) {
    answers['503'] ??= problem('Kafka did not acknowledge the write in time: nothing was accepted. Retry after `Retry-After` seconds.', {
      'retry-after': headerObject('Seconds to wait before retrying.'),
    });
  }
  return Object.fromEntries(Object.entries(answers).sort(([a], [b]) => Number(a) - Number(b)));
}

function operation(route: HttpRoute, publishers: ApiInput['publishers']): Json {
  const parameters = pathParameters(route);
  const body = route.contract.docs.body ?? route.contract.body;
  const publishes = (publishers[route.functionName] ?? []).length > 0;
  return {
    operationId: route.functionName,
    summary: summaryOf(route.doc),
    description: `${route.doc}\n\n(${route.file})`,
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(body ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(body, 'input') } } } } : {}),
    responses: responses(route, publishes, parameters.length > 0),
    security: route.authorized ? [{ [SECURITY_SCHEME]: route.scope ? [route.scope] : [] }] : [],
  };
}

/** The OpenAPI 3.1 document of the routes. */
export function openApiDocument({ routes, publishers, version }: ApiInput): Json {
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    const method = route.method.toLowerCase();
    paths[route.path] ??= {};
    const item = paths[route.path] as Json;
    if (item[method]) throw new Error(`${route.method} ${route.path} is defined twice in serverless.yml`);
    item[method] = operation(route, publishers);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'kafka-lambda-system HTTP API',
      version,
      description:
        "Generated from serverless.yml and the routes' zod schemas by `npm run contract`; do not edit by hand. " +
        'Errors are problem details (RFC 9457, `application/problem+json`) naming each field at fault.',
    },
    servers: [
      { url: 'http://127.0.0.1:3000', description: '`npm run dev` (tokens: `npm run -s token -- --sub <id>`)' },
      {
        url: 'https://{apiId}.execute-api.{region}.amazonaws.com',
        description: 'The HTTP API of a deployed stage',
        variables: { apiId: { default: 'abc123defg', description: 'The API id (`sls info`)' }, region: { default: 'us-east-1' } },
      },
    ],
    paths,
    components: {
      schemas: { Problem: schemaOf(problemDetails, 'output') },
      securitySchemes: {
        [SECURITY_SCHEME]: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            "Verified by the HTTP API's JWT authorizer: issuer `jwtIssuer` and audience `jwtAudience` of the stage. The token's `sub` is the caller (customer / user id).",
        },
      },
    },
  };
}
