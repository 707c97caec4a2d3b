import { createErrorClassifier, errorMessage } from '@tributary/destination-sdk';

/**
 * How long a paused or resuming cluster (or a Serverless workgroup coming up) is given before the
 * next attempt: resuming takes minutes, and quick retries within the run would all fail.
 */
export const RESUMING_RETRY_AFTER_MS = 10 * 60_000;
/**
 * A workload-manager rule aborted the statement (a query monitoring rule's abort action or a WLM
 * timeout). The same load against the same rules is likely to be aborted again, and each attempt
 * costs a full COPY and merge on the cluster: one attempt per run, the next no sooner than this.
 * After three failed runs the destination shows as failing, the cue to raise the rule's limit or
 * move Tributary's user to another queue.
 */
export const WLM_ABORT_RETRY_AFTER_MS = 30 * 60_000;
/**
 * The cluster ran out of disk. Redshift spills intermediate results of every running query to
 * the same disks (STL_DISK_FULL_DIAG counts them), so a disk-full error often clears when other
 * queries end; when the data itself filled the cluster, an administrator must resize or free
 * space. Either way quick retries only add load: one attempt per run, the next after an hour.
 * A schema quota is different: it never clears by itself (permanent).
 */
export const DISK_FULL_RETRY_AFTER_MS = 60 * 60_000;

type Verdict = { kind: 'retryable'; retryAfterMs?: number } | { kind: 'permanent' } | { kind: 'config' };

// Service exception names (Data API awsJson1_1 `__type`, S3 and STS error codes) by verdict.
const EXCEPTIONS: Record<string, Verdict> = {
  ...Object.fromEntries(
    [
      'ThrottlingException',
      'ThrottledException',
      'TooManyRequestsException',
      'RequestLimitExceeded',
      'InternalServerException',
      'InternalFailure',
      'InternalError',
      'ServiceUnavailable',
      'ServiceUnavailableException',
      'SlowDown',
      'ActiveStatementsExceededException',
      'ActiveSessionsExceededException',
      'ExecuteStatementException',
      'BatchExecuteStatementException',
      'QueryTimeoutException',
      'RequestTimeout',
      'RequestTimeoutException',
      'TimeoutError',
      'IDPCommunicationError',
    ].map((name) => [name, { kind: 'retryable' }]),
  ),
  DatabaseConnectionException: { kind: 'retryable', retryAfterMs: RESUMING_RETRY_AFTER_MS },
  ...Object.fromEntries(
    [
      'ResourceNotFoundException',
      'NoSuchBucket',
      'PermanentRedirect',
      'AuthorizationHeaderMalformed',
      'IllegalLocationConstraintException',
      'RegionDisabledException',
      'CredentialsProviderError',
    ].map((name) => [name, { kind: 'config' }]),
  ),
  ...Object.fromEntries(
    [
      'AccessDenied',
      'AccessDeniedException',
      'UnrecognizedClientException',
      'InvalidSignatureException',
      'SignatureDoesNotMatch',
      'InvalidAccessKeyId',
      'InvalidClientTokenId',
      'ExpiredToken',
      'ExpiredTokenException',
      'IncompleteSignature',
      'MissingAuthenticationToken',
      'InvalidIdentityToken',
    ].map((name) => [name, { kind: 'permanent' }]),
  ),
};

/** The error text of a FAILED statement (Redshift's own message, e.g. `ERROR: …`). */
export class RedshiftStatementError extends Error {
  readonly status: 'FAILED' | 'ABORTED';
  constructor(message: string, status: 'FAILED' | 'ABORTED') {
    super(message);
    this.status = status;
    this.name = 'RedshiftStatementError';
  }
}

/** Classifies the error text of a FAILED statement. */
function classifyStatementError(text: string): Verdict {
  // "Transaction … is aborted due to exceeding the disk space quota in schema(s)": an admin raises it.
  if (/disk space quota/i.test(text)) return { kind: 'permanent' };
  // "ERROR: Disk Full … code: 1016".
  if (/\bdisk full\b/i.test(text)) return { kind: 'retryable', retryAfterMs: DISK_FULL_RETRY_AFTER_MS };
  // 'Query (500029) cancelled by WLM abort action of Query Monitoring Rule "…"', "canceled by WLM".
  if (/\b(cancell?ed|canceled|aborted) by WLM\b|WLM abort action/i.test(text))
    return { kind: 'retryable', retryAfterMs: WLM_ABORT_RETRY_AFTER_MS };
  // Serializable isolation violations (1023), lock and network trouble, restarts, resources.
  if (
    /\b1023\b|serializable isolation|deadlock|lock timeout|could not obtain lock|connection (reset|closed|lost)|terminat|cancel|restart|out of memory|timed? ?out|try again|temporar/i.test(
      text,
    )
  ) {
    return { kind: 'retryable' };
  }
  if (/database "[^"]*" does not exist|role "[^"]*" does not exist|user "[^"]*" does not exist/i.test(text)) return { kind: 'config' };
  // COPY with a role the cluster cannot assume, a bucket that is not there or not in s3Region.
  if (/not authorized to assume IAM Role|NoSuchBucket|PermanentRedirect|must be addressed using the specified endpoint/i.test(text))
    return { kind: 'config' };
  // Syntax, permissions (bucket policy, grants), missing objects, bad data: a human has to act.
  return { kind: 'permanent' };
}

/** The fields of an AWS SDK error the classifier reads. */
function detailsOf(err: unknown): { name: string; status?: number; fault?: unknown } {
  const e = (typeof err === 'object' && err !== null ? err : {}) as {
    name?: unknown;
    $fault?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  const status = e.$metadata?.httpStatusCode;
  return { name: typeof e.name === 'string' ? e.name : '', status: typeof status === 'number' ? status : undefined, fault: e.$fault };
}

/**
 * Turns a Data API, S3 or STS error (SDK exception, network error, missing credentials or a
 * FAILED statement) into the SDK's classified error, keeping the service's message and
 * exception name readable.
 */
export const classifyRedshiftError = createErrorClassifier({
  describe: (err) => {
    const { name, status } = detailsOf(err);
    const prefix = name && name !== 'Error' && name !== 'RedshiftStatementError' ? `${name}: ` : '';
    const hint =
      name === 'CredentialsProviderError' ? ' (give accessKeyId and secretAccessKey, or run the server with an AWS identity)' : '';
    return `${prefix}${errorMessage(err)}${hint}${status && status !== 400 ? ` (HTTP ${status})` : ''}`;
  },
  rules: (err) => {
    if (err instanceof RedshiftStatementError) return err.status === 'ABORTED' ? 'retryable' : classifyStatementError(err.message);
    const { name, status, fault } = detailsOf(err);
    const known = EXCEPTIONS[name];
    if (known) return known;
    // The plugin keeps its statements inside the API's limits, so a validation error is about the
    // configured cluster, workgroup, database, user or secret.
    if (name === 'ValidationException') return /query string|parameter/i.test(errorMessage(err)) ? 'permanent' : 'config';
    if (status !== undefined) {
      if (status === 408 || status === 429 || status >= 500) return 'retryable';
      if (status >= 400) return 'permanent';
    }
    return fault === 'server' ? 'retryable' : undefined;
  },
});
