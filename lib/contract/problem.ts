/**
 * The body of every error answer (lib/http/problem.ts HttpProblem), as a zod schema for the OpenAPI
 * document. Kept out of lib/http so the zod-free functions stay zod-free;
 * test/contract/openapi.unit.test.ts checks real HttpProblem answers against it.
 */
import { z } from 'zod';

export const problemDetails = z
  .object({
    type: z.string().meta({ description: '`about:blank`: the status and title say what went wrong (RFC 9457).' }),
    title: z.string(),
    status: z.int().min(400).max(599),
    detail: z.string().optional(),
    errors: z
      .array(
        z.object({
          field: z.string().meta({ description: 'Dotted path of the field at fault, e.g. `items.0.quantity` or `3.session_id`; empty for the whole body.' }),
          message: z.string(),
        }),
      )
      .optional()
      .meta({ description: 'One entry per invalid field.' }),
  })
  .meta({ description: 'Problem details (RFC 9457), `application/problem+json`.' });
