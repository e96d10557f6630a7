/** The generated OpenAPI document is valid OpenAPI 3.1 (@readme/openapi-parser) and matches the routes and their schemas. */
import { compileErrors, validate } from '@readme/openapi-parser';
import type { OpenAPIV3_1 } from 'openapi-types';
import { z } from 'zod';
import { publishers } from '../../events/catalog';
import { generatedDocuments, ROOT } from '../../lib/contract/documents';
import { problemDetails } from '../../lib/contract/problem';
import { httpRoutes } from '../../lib/contract/routes';
import { HttpProblem, validationProblem } from '../../lib/http/problem';
import { OPERATOR_ROUTES } from '../deploy/package';

/** The parts of an operation these tests read. */
interface Operation {
  operationId: string;
  security: unknown[];
  parameters?: unknown[];
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { content?: Record<string, unknown> }>;
}

const document = JSON.parse(generatedDocuments().openapi) as OpenAPIV3_1.Document;
const routes = httpRoutes(ROOT);
const operationOf = (method: string, path: string) => document.paths?.[path]?.[method.toLowerCase() as OpenAPIV3_1.HttpMethods] as unknown as Operation;

describe('OpenAPI document (docs/openapi.json)', () => {
  it('is valid OpenAPI 3.1 for @readme/openapi-parser', async () => {
    const result = await validate(structuredClone(document));
    expect(result.valid ? '' : compileErrors(result)).toBe('');
    expect(result.specification).toBe('OpenAPI');
    expect(document.openapi).toBe('3.1.0');
  });

  it('is refused by the validator when broken (the validation can fail)', async () => {
    const broken = structuredClone(document) as unknown as { paths: Record<string, Record<string, { parameters?: unknown[]; responses?: unknown }>> };
    const getOrder = broken.paths['/orders/{id}']?.get;
    if (!getOrder) throw new Error('GET /orders/{id} is missing');
    delete getOrder.parameters;
    getOrder.responses = 'none';
    const result = await validate(broken as unknown as OpenAPIV3_1.Document);
    expect(result.valid).toBe(false);
  });

  it('documents every httpApi route of serverless.yml, behind the JWT scheme unless public', () => {
    expect(routes.length).toBeGreaterThanOrEqual(8);
    const publicRoutes: string[] = [];
    for (const route of routes) {
      const operation = operationOf(route.method, route.path);
      expect(operation.operationId).toBe(route.functionName);
      if (route.authorized) {
        // Operator routes name their scope and answer 403 without it (custom.deploy.operatorRoutes).
        const operator = OPERATOR_ROUTES.includes(`${route.method} ${route.path}`);
        expect(operation.security).toEqual([{ jwt: operator ? ['kafka-lambda-system/operator'] : [] }]);
        expect(operation.responses['401']).toBeDefined();
        expect(Boolean(operation.responses['403'])).toBe(operator);
      } else {
        expect(operation.security).toEqual([]);
        publicRoutes.push(`${route.method} ${route.path}`);
      }
      // Every error answer is problem+json.
      for (const [status, answer] of Object.entries(operation.responses)) {
        if (Number(status) >= 400) expect(Object.keys(answer.content ?? {})).toEqual(['application/problem+json']);
      }
      const publishes = (publishers[route.functionName] ?? []).length > 0;
      expect(Boolean(operation.responses['503'])).toBe(publishes);
    }
    expect(publicRoutes.sort()).toEqual(['GET /dashboard', 'GET /health']);
    expect(document.components?.securitySchemes?.jwt).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  });

  it("carries the routes' zod schemas: bodies, path parameters, answers", () => {
    const checkout = operationOf('POST', '/checkout');
    const body = checkout.requestBody?.content['application/json']?.schema;
    expect(body).toMatchObject({ type: 'object', required: ['items'], additionalProperties: false });
    expect(JSON.stringify(body)).toContain('"maximum":1000');
    expect(checkout.responses['202']).toMatchObject({ content: { 'application/json': { schema: { properties: { order_id: { format: 'uuid' } } } } } });
    expect(Object.keys(checkout.responses)).toEqual(expect.arrayContaining(['400', '413', '415', '503']));

    // POST /events validates inside the handler: the document shows one event or a batch of them.
    const events = operationOf('POST', '/events').requestBody?.content['application/json']?.schema;
    expect(events?.anyOf).toHaveLength(2);
    expect(JSON.stringify(events)).toContain('"maxItems":500');

    for (const path of ['/orders/{id}', '/videos/{id}']) {
      const get = operationOf('GET', path);
      expect(get.parameters).toEqual([
        expect.objectContaining({ name: 'id', in: 'path', required: true, schema: expect.objectContaining({ format: 'uuid' }) }),
      ]);
      expect(Object.keys(get.responses)).toEqual(expect.arrayContaining(['200', '400', '404']));
      expect(get.responses['200']).toMatchObject({ content: { 'application/json': { schema: { required: expect.arrayContaining(['steps']) } } } });
    }
    expect(operationOf('GET', '/dashboard').responses['200']).toMatchObject({ content: { 'text/html': {} } });
  });

  it('describes the problem bodies lib/http really sends', () => {
    const strict = z.strictObject(problemDetails.shape);
    const invalid = z.strictObject({ quantity: z.int() }).safeParse({ quantity: 1.5, extra: 1 });
    if (invalid.success) throw new Error('expected a validation error');
    const answers = [
      validationProblem(invalid.error, [0]).toResponse(),
      new HttpProblem(401, 'Unauthorized', 'A valid bearer token is required').toResponse(),
      new HttpProblem(500, 'Internal Server Error').toResponse(),
    ];
    for (const answer of answers) {
      expect(answer.headers?.['content-type']).toBe('application/problem+json');
      expect(strict.safeParse(JSON.parse(String(answer.body))).error?.issues ?? []).toEqual([]);
    }
  });
});
