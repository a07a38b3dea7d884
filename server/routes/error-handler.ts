import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';
import { asStackbookError, StackbookError, type ErrorCode } from '../stackbook-error.ts';

const STATUS: Partial<Record<ErrorCode, ContentfulStatusCode>> = {
  PARSE_ERROR: 422,
  PROFILE_ERROR: 422,
  TEMPLATE_ERROR: 422,
  SECRET_MISSING: 422,
  BAD_ARGUMENT: 400,
  NOT_FOUND: 404,
  REFUSED: 409,
  NEEDS_APPROVAL: 409,
  CONFLICT: 409,
  UNAUTHORIZED: 401,
  TOO_LARGE: 413,
};

const FROM_HTTP: Record<number, ErrorCode> = {
  400: 'BAD_ARGUMENT',
  401: 'UNAUTHORIZED',
  404: 'NOT_FOUND',
  413: 'TOO_LARGE',
};

/** The HTTP status for an error code. */
export function statusOf(code: ErrorCode): ContentfulStatusCode {
  return STATUS[code] ?? 500;
}

/**
 * The one place errors become responses: `{ code, message, details }` with the status the code calls for.
 * Unknown errors answer 500 without their stack.
 */
export function onError(error: Error, c: Context): Response {
  let failure: StackbookError;
  if (error instanceof HTTPException) {
    const code = FROM_HTTP[error.status] ?? 'INTERNAL';
    failure = new StackbookError(code, error.message || 'request refused');
  } else failure = asStackbookError(error);
  if (failure.code === 'INTERNAL') console.error('stackbook serve:', error);
  const body = failure.toJSON();
  return c.json(
    { code: body.code, message: body.message, details: body.details ?? {} },
    statusOf(failure.code),
  );
}

/** A request that does not match its schema: 400 naming the field (`unknown field 'x'` for extras). */
export function validationError(error: ZodError, where: string): StackbookError {
  const issues = error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      const keys = (issue as { keys: string[] }).keys;
      return {
        field: [path, keys[0]].filter(Boolean).join('.'),
        message: `unknown field${keys.length > 1 ? 's' : ''} ${keys.map((key) => `'${key}'`).join(', ')}`,
      };
    }
    return { field: path, message: issue.message };
  });
  const first = issues[0]!;
  return new StackbookError(
    'BAD_ARGUMENT',
    `${where}: ${first.field ? `${first.field}: ` : ''}${first.message}`,
    {
      details: { issues },
    },
  );
}
