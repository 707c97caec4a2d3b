/**
 * The host's one family of expected failures. Every one has a stable SCREAMING_SNAKE `code` and
 * a message fit for a client; each edge maps the family once:
 * GraphQL returns `NotFoundError` and `ValidationError` as typed results (schema/errors.ts), the
 * HTTP endpoints answer `{ error: { code, message } }` with `status` (server/capture/answer.ts).
 * Anything else thrown is unexpected: masked at both edges and logged.
 */
export class AppError extends Error {
  readonly code: string;
  /** The HTTP status the HTTP edge answers with. */
  readonly status: number;
  /** The input field at fault, when there is one. */
  readonly field: string | null;
  /** Headers of the HTTP answer (`Retry-After`, `Allow`, …). */
  readonly headers: Readonly<Record<string, string>>;
  constructor(code: string, message: string, options: { status?: number; field?: string | null; headers?: Record<string, string> } = {}) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.status = options.status ?? 400;
    this.field = options.field ?? null;
    this.headers = options.headers ?? {};
  }
}

/** The referenced object does not exist in the caller's organization. */
export class NotFoundError extends AppError {
  constructor(what: string) {
    super('NOT_FOUND', `${what} was not found`, { status: 404 });
  }
}

/** The input is well-typed but not acceptable (bad selector, bad regex, bad config …). */
export class ValidationError extends AppError {
  constructor(code: string, message: string, field: string | null = null) {
    super(code, message, { status: 400, field });
  }
}

/** The server's own configuration (environment variables) is invalid: the process does not start. */
export const invalidConfiguration = (message: string) => new AppError('INVALID_CONFIGURATION', message);

/**
 * The plugin SDK's errors as the host's: a configuration refusal the host raised inside the
 * plugin contract (the target policy's, server/sync/targets.ts), with its code and field, is a
 * `ValidationError` (of `field`, when given, instead of its own). Anything else: undefined.
 */
export function validationErrorOf(error: unknown, field?: string): ValidationError | undefined {
  if (!(error instanceof Error)) return undefined;
  // read as the SDK's classifyError reads it: by `kind`, so a plugin's own copy of the SDK agrees
  const { kind, code, field: own } = error as Error & { kind?: unknown; code?: unknown; field?: unknown };
  if (kind !== 'config' || typeof code !== 'string') return undefined;
  return new ValidationError(code, error.message, field ?? (typeof own === 'string' ? own : null));
}
