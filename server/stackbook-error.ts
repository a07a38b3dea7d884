/** Where in a source file a problem was found. */
export interface SourceLocation {
  file: string;
  line?: number;
  /** The field, attribute or argument path the problem concerns, e.g. `needs` or `machines[2].mac`. */
  field?: string;
}

/**
 * Every error code stackbook raises. Input codes (bad files, bad arguments) exit 2 on the CLI and answer 4xx
 * over HTTP; `REFUSED` and `NEEDS_APPROVAL` exit 1; the rest describe a failed step.
 */
export type ErrorCode =
  | 'PARSE_ERROR'
  | 'PROFILE_ERROR'
  | 'TEMPLATE_ERROR'
  | 'SECRET_MISSING'
  | 'BAD_ARGUMENT'
  | 'NOT_FOUND'
  | 'REFUSED'
  | 'NEEDS_APPROVAL'
  | 'CONFLICT'
  | 'UNAUTHORIZED'
  | 'TOO_LARGE'
  | 'DRIVER_ERROR'
  | 'EXEC_FAILED'
  | 'MACHINES_FAILED'
  | 'TIMEOUT'
  | 'CANCELLED'
  | 'INTERRUPTED'
  | 'INTERNAL';

const INPUT_CODES: ReadonlySet<ErrorCode> = new Set([
  'PARSE_ERROR',
  'PROFILE_ERROR',
  'TEMPLATE_ERROR',
  'SECRET_MISSING',
  'BAD_ARGUMENT',
  'NOT_FOUND',
]);

/** The one error type of stackbook: a string `code`, a readable message and optional details. */
export class StackbookError extends Error {
  readonly code: ErrorCode;
  readonly location: SourceLocation | undefined;
  readonly details: Record<string, unknown> | undefined;
  /** The typed result of a step that failed in part (a fan-out cell where some machines failed). */
  readonly result: unknown;

  constructor(
    code: ErrorCode,
    message: string,
    options: {
      location?: SourceLocation;
      details?: Record<string, unknown>;
      cause?: unknown;
      result?: unknown;
    } = {},
  ) {
    super(options.location ? `${formatLocation(options.location)}: ${message}` : message, {
      cause: options.cause,
    });
    this.name = 'StackbookError';
    this.code = code;
    this.location = options.location;
    this.details = options.details;
    this.result = options.result;
  }

  /** True for errors caused by bad input (files, arguments), as opposed to a failed or refused step. */
  get isInputError(): boolean {
    return INPUT_CODES.has(this.code);
  }

  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    const details = { ...this.details, ...(this.location ? { location: this.location } : {}) };
    return { code: this.code, message: this.message, ...(Object.keys(details).length ? { details } : {}) };
  }
}

/** `file:line: field` as used at the start of every located message. */
export function formatLocation(location: SourceLocation): string {
  let text = location.file;
  if (location.line !== undefined) text += `:${location.line}`;
  if (location.field) text += `: ${location.field}`;
  return text;
}

/** Any thrown value as a StackbookError (unknown errors become `INTERNAL`, keeping the cause). */
export function asStackbookError(error: unknown, fallback: ErrorCode = 'INTERNAL'): StackbookError {
  if (error instanceof StackbookError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new StackbookError(fallback, message, { cause: error });
}
