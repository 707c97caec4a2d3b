import { createErrorClassifier, errorMessage } from '@tributary/destination-sdk';

/**
 * How long to wait after `quotaExceeded`. Google's "Troubleshoot quota and limit errors" sorts
 * throttling into two reasons: `rateLimitExceeded` is a short-term limit ("retry after a few
 * seconds, with exponential backoff": the host's ordinary backoff), `quotaExceeded` a longer-term
 * one ("wait 10 minutes or longer before trying again": daily quotas such as load jobs per table
 * refill over the day).
 */
export const QUOTA_EXCEEDED_RETRY_AFTER_MS = 10 * 60_000;

/** BigQuery error reasons (`errors[].reason`) that pass by themselves. */
const RETRYABLE_REASONS = new Set([
  'rateLimitExceeded',
  'jobRateLimitExceeded',
  'quotaExceeded',
  'backendError',
  'internalError',
  'jobInternalError',
  'tableUnavailable',
  'timeout',
]);

/** Reasons that mean the configuration points at something that does not exist. */
const CONFIG_REASONS = new Set(['notFound']);

/** Reasons that need a human: credentials, permissions, SQL BigQuery rejects. */
const PERMANENT_REASONS = new Set([
  'accessDenied',
  'authError',
  'billingNotEnabled',
  'billingTierLimitExceeded',
  'invalid',
  'invalidQuery',
  'invalidUser',
  'notImplemented',
  'resourcesExceeded',
  'responseTooLarge',
  'duplicate',
]);

const RETRYABLE_NETWORK = /network timeout|socket hang up|ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|EAI_AGAIN|timed out|aborted/i;

interface GoogleErrorShape {
  code?: unknown;
  status?: unknown;
  type?: unknown;
  errors?: { reason?: unknown; message?: unknown }[];
  response?: { status?: unknown; statusCode?: unknown };
  message?: unknown;
}

/** The HTTP status and the first BigQuery reason of an SDK error, when it has them. */
export function bigqueryErrorDetails(err: unknown): { status?: number; reason?: string } {
  if (typeof err !== 'object' || err === null) return {};
  const shape = err as GoogleErrorShape;
  const candidates = [shape.code, shape.status, shape.response?.status, shape.response?.statusCode];
  const status = candidates.find((value): value is number => typeof value === 'number' && value >= 100 && value <= 599);
  const reason = shape.errors?.map((e) => e.reason).find((value): value is string => typeof value === 'string');
  return { status, reason };
}

/**
 * Turns an error of `@google-cloud/bigquery` (an `ApiError` with `code` and `errors[].reason`, a
 * job's `errorResult`, a network `FetchError`, an auth-library error) into the SDK's classified
 * error, keeping BigQuery's own message readable: `doing: message (reason, HTTP status)`.
 *
 * BigQuery answers throttling with HTTP 403 + `rateLimitExceeded`/`quotaExceeded`, so the reason
 * is looked at before the status; `quotaExceeded` asks the host to wait
 * {@link QUOTA_EXCEEDED_RETRY_AFTER_MS} (`retryAfterMs`) instead of retrying within the run.
 */
export const classifyBigqueryError = createErrorClassifier({
  describe: (err) => {
    const { status, reason } = bigqueryErrorDetails(err);
    const detail = [reason, status !== undefined ? `HTTP ${status}` : undefined].filter(Boolean).join(', ');
    return `${errorMessage(err).trim() || 'unknown error'}${detail ? ` (${detail})` : ''}`;
  },
  rules: (err) => {
    const { status, reason } = bigqueryErrorDetails(err);
    if (reason !== undefined) {
      if (reason === 'quotaExceeded') return { kind: 'retryable', retryAfterMs: QUOTA_EXCEEDED_RETRY_AFTER_MS };
      if (RETRYABLE_REASONS.has(reason)) return 'retryable';
      if (CONFIG_REASONS.has(reason)) return 'config';
      if (PERMANENT_REASONS.has(reason)) return 'permanent';
    }
    if (status !== undefined) {
      if (status === 404) return 'config';
      if (status === 408 || status === 429 || status >= 500) return 'retryable';
      if (status >= 400) return 'permanent';
    }
    const text = errorMessage(err);
    const type = (err as GoogleErrorShape | null)?.type;
    if (type === 'request-timeout' || type === 'system' || RETRYABLE_NETWORK.test(text)) return 'retryable';
    // google-auth-library: a key it cannot use, an invalid grant.
    if (/invalid_grant|private key|DECODER routines|PEM/i.test(text)) return 'permanent';
    return undefined;
  },
});
