/**
 * Error classes a destination plugin throws so the host can decide what to do next.
 *
 * The host owns retries: a plugin classifies a failure and throws; it never sleeps, loops or
 * retries on its own.
 */

/** How the host treats a failure. */
export type ErrorKind = 'retryable' | 'permanent' | 'config';

/** Base class of the three classified errors. Use one of the subclasses, not this one. */
export abstract class DestinationError extends Error {
  /** How the host treats this failure; also readable across copies of the SDK. */
  abstract readonly kind: ErrorKind;

  /**
   * @param message readable text shown to the user in the sync run (never include secrets)
   * @param options.cause the underlying driver or network error, kept for logs
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * A failure that may succeed later without anyone changing anything: network errors, timeouts,
 * HTTP 5xx and 429, a warehouse that is busy, restarting or out of resources, lock conflicts.
 * The host retries with exponential backoff.
 */
export class RetryableError extends DestinationError {
  override readonly kind = 'retryable' as const;
  /**
   * At least how long to wait before trying again, when the warehouse says so (a quota that
   * refills, a cluster resuming). The host then skips its quick retries within the run and
   * schedules the next run no sooner than this.
   */
  readonly retryAfterMs: number | undefined;

  /**
   * @param message readable text shown to the user in the sync run (never include secrets)
   * @param options.cause the underlying driver or network error, kept for logs
   * @param options.retryAfterMs at least how long to wait before the next attempt
   */
  constructor(message: string, options?: { cause?: unknown; retryAfterMs?: number }) {
    super(message, options);
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/** The wait a {@link RetryableError} asks for, anywhere in a cause chain; undefined when none. */
export function retryAfterMsOf(err: unknown): number | undefined {
  for (let e = err, depth = 0; typeof e === 'object' && e !== null && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const wait = (e as { retryAfterMs?: unknown }).retryAfterMs;
    if (typeof wait === 'number' && Number.isFinite(wait) && wait > 0) return wait;
  }
  return undefined;
}

/**
 * A failure that will repeat until a human acts: bad or expired credentials, missing
 * permissions, HTTP 4xx other than 408/429, SQL the warehouse rejects. The host stops retrying
 * and marks the destination failing; data keeps accumulating for the next healthy run.
 */
export class PermanentError extends DestinationError {
  override readonly kind = 'permanent' as const;
}

/**
 * The destination's configuration is wrong (invalid value, database or path that does not
 * exist). Like {@link PermanentError}, but the user is pointed at the configuration form.
 */
export class ConfigError extends DestinationError {
  override readonly kind = 'config' as const;
}

const RETRYABLE_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
]);

const ERROR_KINDS: ReadonlySet<string> = new Set(['retryable', 'permanent', 'config']);

function httpStatusOf(err: Record<string, unknown>): number | undefined {
  const response = err.response as Record<string, unknown> | undefined;
  for (const candidate of [err.status, err.statusCode, response?.status, response?.statusCode]) {
    if (typeof candidate === 'number' && candidate >= 100 && candidate <= 599) return candidate;
  }
  return undefined;
}

/**
 * Classifies any thrown value.
 *
 * In order: an error carrying a `kind` of `retryable | permanent | config` (the SDK's classes,
 * also from another copy of the SDK) keeps it; an HTTP status (`status`, `statusCode`,
 * `response.status`) gives 408/429/5xx → retryable, other 4xx → permanent; a Node or driver
 * network code (ECONNREFUSED, ECONNRESET, ETIMEDOUT, ENOTFOUND, EAI_AGAIN, …) or an
 * `AbortError`/`TimeoutError` → retryable; otherwise the `cause` chain is searched the same way.
 *
 * Anything still unknown is **retryable**: a transient failure wrongly called permanent stops a
 * destination until a human looks, while a permanent one wrongly retried only costs a few capped
 * retries before the host marks the destination failing. Plugins should still classify their
 * own errors and not rely on this default.
 */
export function classifyError(err: unknown): ErrorKind {
  return classifyKnown(err, 0) ?? 'retryable';
}

function classifyKnown(err: unknown, depth: number): ErrorKind | undefined {
  if (depth > 8 || typeof err !== 'object' || err === null) return undefined;
  const record = err as Record<string, unknown>;
  if (typeof record.kind === 'string' && ERROR_KINDS.has(record.kind)) return record.kind as ErrorKind;
  const status = httpStatusOf(record);
  if (status !== undefined) {
    if (status === 408 || status === 429 || status >= 500) return 'retryable';
    if (status >= 400) return 'permanent';
  }
  if (typeof record.code === 'string' && RETRYABLE_NODE_CODES.has(record.code)) return 'retryable';
  if (record.name === 'AbortError' || record.name === 'TimeoutError') return 'retryable';
  return classifyKnown(record.cause, depth + 1);
}

/** A new classified error of `kind`. */
export function classifiedError(
  kind: ErrorKind,
  message: string,
  options: { cause?: unknown; retryAfterMs?: number } = {},
): DestinationError {
  if (kind === 'retryable') return new RetryableError(message, options);
  return kind === 'config' ? new ConfigError(message, { cause: options.cause }) : new PermanentError(message, { cause: options.cause });
}

/** What a plugin's rules say of a failure: its kind, and for a retryable one at least how long to wait. */
export type ErrorVerdict = ErrorKind | { kind: ErrorKind; retryAfterMs?: number };

/** Options of {@link createErrorClassifier}. */
export interface ErrorClassifierOptions {
  /**
   * What the plugin knows of its driver's errors (SQLSTATEs, vendor codes, exception names).
   * Undefined leaves the error to {@link classifyError}: an HTTP status, a network code, the cause
   * chain, and retryable when nothing is known.
   */
  rules: (err: unknown) => ErrorVerdict | undefined;
  /**
   * The readable text of a failure; {@link errorMessage} by default. Add what helps the user act
   * (a vendor code, an exception name, an HTTP status, a hint), never a secret.
   */
  describe?: (err: unknown) => string;
}

/** Turns anything thrown during an operation into a classified error; `doing` names the operation. */
export type ErrorClassifier = (err: unknown, doing: string) => DestinationError;

/**
 * Builds a plugin's error classifier from its own rules. The classifier returns an SDK error as
 * it is (the plugin classified it already) and otherwise a new one, of the kind the rules give,
 * with the message `<doing>: <describe(err)>` and the error as its cause.
 *
 * @example
 * const classifyAcmeError = createErrorClassifier({
 *   rules: (err) => ((err as { code?: unknown }).code === 'AUTH_FAILED' ? 'permanent' : undefined),
 * });
 */
export function createErrorClassifier(options: ErrorClassifierOptions): ErrorClassifier {
  const describe = options.describe ?? errorMessage;
  return (err, doing) => {
    if (err instanceof DestinationError) return err;
    const verdict = options.rules(err) ?? classifyError(err);
    const { kind, retryAfterMs } = typeof verdict === 'string' ? { kind: verdict, retryAfterMs: undefined } : verdict;
    return classifiedError(kind, `${doing}: ${describe(err)}`, { cause: err, ...(retryAfterMs ? { retryAfterMs } : {}) });
  };
}

/** Runs one operation on the warehouse: see {@link createClassifiedRunner}. */
export type ClassifiedRunner = <T>(doing: string, work: () => Promise<T>) => Promise<T>;

/**
 * The wrapper every operation of a connection runs in: it does not start once `signal` is
 * aborted, and what the work throws leaves it classified by `classify`, with `doing` (e.g.
 * `loading events`) at the head of the message.
 */
export function createClassifiedRunner(classify: ErrorClassifier, signal?: AbortSignal): ClassifiedRunner {
  return async (doing, work) => {
    try {
      signal?.throwIfAborted();
      return await work();
    } catch (err) {
      throw classify(err, doing);
    }
  };
}

/** The readable message of any thrown value, for logs and sync-run records. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : JSON.stringify(err);
}
