/**
 * A consumer group path parameter (`/dead-letters/{group}`), checked against the catalog.
 *
 * @example
 * const group = groupParameter(request);   // a group of the catalog, or a 404 naming `group`
 */
import { z } from 'zod';
import { consumerGroups } from '../../events/catalog';
import { HttpProblem } from './problem';

/** What the OpenAPI document shows for the parameter. */
export const groupSchema = z.enum(consumerGroups as [string, ...string[]]);

/** The catalog's consumer group named by path parameter `group`, or a 404 naming it. */
export function groupParameter(request: { pathParameters: Record<string, string> }): string {
  const group = request.pathParameters.group ?? '';
  if (!consumerGroups.includes(group)) {
    throw new HttpProblem(404, 'Not Found', `No consumer group "${group}"`, [{ field: 'group', message: `Must be one of ${consumerGroups.join(', ')}` }]);
  }
  return group;
}
