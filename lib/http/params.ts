/**
 * Path parameters, validated. Kept apart from api.ts so functions without them (health, the
 * dashboard page) do not bundle zod.
 *
 * @example
 * const id = uuidParameter(request, 'id', 'order'); // "/orders/{id}", or a 400 naming `id`
 */
import { z } from 'zod';
import { HttpProblem } from './problem';

/** A UUID path parameter; also what the OpenAPI document shows for it (`docs.pathParameters`). */
export const uuidSchema = z.uuid();

/** The UUID in path parameter `name`, or a 400 naming it. */
export function uuidParameter(request: { pathParameters: Record<string, string> }, name: string, what: string): string {
  const parsed = uuidSchema.safeParse(request.pathParameters[name]);
  if (!parsed.success) throw new HttpProblem(400, `Invalid ${what} id`, `The ${what} id must be a UUID`, [{ field: name, message: 'Must be a UUID' }]);
  return parsed.data;
}
