/**
 * Errors as HTTP problem details (RFC 9457, `application/problem+json`), naming the field at fault.
 *
 * @example
 * throw new HttpProblem(415, 'Unsupported Media Type', 'Send application/json');
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { z } from 'zod';

export interface FieldError {
  /** Path of the offending field, dotted: `items.0.quantity` (empty for the whole body). */
  field: string;
  message: string;
}

export class HttpProblem extends Error {
  override name = 'HttpProblem';
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly errors: FieldError[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
  }

  toResponse(): APIGatewayProxyStructuredResultV2 {
    const body: Record<string, unknown> = { type: 'about:blank', title: this.title, status: this.status };
    if (this.detail) body.detail = this.detail;
    if (this.errors.length > 0) body.errors = this.errors;
    return {
      statusCode: this.status,
      headers: { 'content-type': 'application/problem+json', ...this.headers },
      body: JSON.stringify(body),
    };
  }
}

/** A 400 listing every schema violation with its field path. */
export function validationProblem(error: z.ZodError, prefix: (string | number)[] = []): HttpProblem {
  const errors = error.issues.flatMap((issue): FieldError[] => {
    const path = [...prefix, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
    // Unknown fields are named one by one, not as their parent.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: [...path, key].join('.'), message: 'Unknown field' }));
    }
    return [{ field: path.join('.'), message: issue.message }];
  });
  const fields = [...new Set(errors.map((e) => e.field || '(body)'))].slice(0, 5).join(', ');
  return new HttpProblem(400, 'Invalid request body', `Invalid field(s): ${fields}`, errors);
}
