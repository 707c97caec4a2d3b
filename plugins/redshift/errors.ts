import { ConfigError, PermanentError, RetryableError, classifyError, errorMessage } from '../sdk/index.ts';
import type { DestinationError } from '../sdk/index.ts';

// Data API exception names (awsJson1_1 `__type`) by how the host should treat them.
const RETRYABLE_EXCEPTIONS = new Set([
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'InternalServerException',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'ActiveStatementsExceededException',
  'ActiveSessionsExceededException',
  'ExecuteStatementException',
  'BatchExecuteStatementException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);
const CONFIG_EXCEPTIONS = new Set(['ResourceNotFoundException', 'DatabaseConnectionException']);
const PERMANENT_EXCEPTIONS = new Set([
  'AccessDeniedException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'QueryTimeoutException',
]);

/** The error text of a FAILED statement (Redshift's own message, e.g. `ERROR: …`). */
export class RedshiftStatementError extends Error {
  constructor(
    message: string,
    readonly status: 'FAILED' | 'ABORTED',
  ) {
    super(message);
    this.name = 'RedshiftStatementError';
  }
}

/** Classifies the error text of a FAILED statement. */
function classifyStatementError(text: string): 'retryable' | 'permanent' | 'config' {
  // Serializable isolation violations (1023), lock/timeouts, cancels by WLM, restarts, resources.
  if (/\b1023\b|serializable isolation|deadlock|lock timeout|could not obtain lock|connection (reset|closed|lost)|terminat|cancel|restart|out of memory|disk full|resource|timed? ?out|try again|temporar/i.test(text)) {
    return 'retryable';
  }
  if (/database "[^"]*" does not exist|role "[^"]*" does not exist|user "[^"]*" does not exist/i.test(text)) return 'config';
  // Syntax, permissions, missing objects, bad data, value too long: a human has to act.
  return 'permanent';
}

/**
 * Turns a Data API error (SDK exception, network error or FAILED statement) into the SDK's
 * classified error, keeping the service's message and exception name readable.
 */
export function classifyRedshiftError(err: unknown, doing: string): DestinationError {
  if (err instanceof RetryableError || err instanceof PermanentError || err instanceof ConfigError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as {
    name?: unknown;
    $fault?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  const name = typeof e.name === 'string' ? e.name : '';
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  const prefix = name && name !== 'Error' && name !== 'RedshiftStatementError' ? `${name}: ` : '';
  const message = `${doing}: ${prefix}${errorMessage(err)}${status && status !== 400 ? ` (HTTP ${status})` : ''}`;
  const make = (kind: 'retryable' | 'permanent' | 'config') =>
    kind === 'retryable'
      ? new RetryableError(message, { cause: err })
      : kind === 'config'
        ? new ConfigError(message, { cause: err })
        : new PermanentError(message, { cause: err });

  if (err instanceof RedshiftStatementError) return make(err.status === 'ABORTED' ? 'retryable' : classifyStatementError(err.message));
  if (RETRYABLE_EXCEPTIONS.has(name)) return make('retryable');
  if (CONFIG_EXCEPTIONS.has(name)) return make('config');
  if (PERMANENT_EXCEPTIONS.has(name)) return make('permanent');
  if (name === 'ValidationException') {
    // The plugin keeps its statements inside the API's limits, so a validation error is about the
    // configured cluster, workgroup, database, user or secret.
    return make(/query string|parameter/i.test(errorMessage(err)) ? 'permanent' : 'config');
  }
  if (status !== undefined) {
    if (status === 408 || status === 429 || status >= 500) return make('retryable');
    if (status >= 400) return make('permanent');
  }
  if (e.$fault === 'server') return make('retryable');
  return make(classifyError(err) === 'permanent' ? 'permanent' : 'retryable');
}
