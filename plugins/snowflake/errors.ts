import { createErrorClassifier, errorMessage } from '@tributary/destination-sdk';
import type { ErrorVerdict } from '@tributary/destination-sdk';

// Global-services (login/session) codes, after snowflake-sdk/dist/lib/constants/gs_errors.js and
// Snowflake's documented login errors.
const AUTH_CODES = new Set([
  '390100', // incorrect username or password
  '390101', // user disabled
  '390102', // user locked (temporarily, but it needs a human or a wait far beyond a retry)
  '390103', // account locked
  '390113', // password expired
  '390144', // JWT token invalid
  '390303', // OAuth access token invalid
  '390318', // OAuth access token expired: a new one must be configured
  '390186', // role not granted to the user
  '390189', // role does not exist or not authorized
  '390191', // warehouse/role/database not authorized
  '390201', // database does not exist or not authorized
  '390202', // schema does not exist or not authorized
  '390422', // incoming request with IP not allowed (network policy)
]);
const CONFIG_CODES = new Set([
  '390189',
  '390201',
  '390202',
  '390191',
  '000606', // (57P03) no active warehouse: it does not exist, or the role lacks USAGE on it
]);
// Waits the service implies: the host schedules the next run no sooner (RetryableError.retryAfterMs).
const LONG_WAITS = new Map<string, { ms: number; hint: string }>([
  // (22000) the warehouse's resource monitor used up its credit quota; it refills at the
  // monitor's next interval (daily to yearly), or when an administrator raises it.
  ['090073', { ms: 60 * 60_000, hint: 'raise the resource monitor quota or wait for its next interval' }],
  // (57P03) the warehouse is suspended and does not resume on its own (AUTO_RESUME = FALSE).
  ['000608', { ms: 15 * 60_000, hint: 'resume the warehouse or set AUTO_RESUME = TRUE' }],
]);
// Session gone or expired: the SDK renews 390112 itself; the others mean "log in again", which
// the host's retry does with a fresh connection.
const SESSION_CODES = new Set(['390104', '390111', '390112', '390114']);
// SQLSTATE classes worth a retry: connection (08), operator intervention/timeout/cancel (57),
// transaction rollback/deadlock (40), insufficient resources (53).
const RETRYABLE_SQLSTATE_CLASSES = new Set(['08', '40', '53', '57']);
// snowflake-sdk's own client codes (error_code.js).
const SDK_NETWORK = 401001;
const SDK_RESPONSE_FAILURE = 401002;
const SDK_RESPONSE_NOT_JSON = 401003;
const SDK_INVALID_TOKEN = 401004;
const SDK_CONNECTION_STATES = new Set([405501, 405502, 405503, 407002]);

/** What snowflake-sdk puts on its errors (all optional). */
interface SnowflakeSdkError {
  code?: unknown;
  sqlState?: unknown;
  message?: unknown;
  response?: { statusCode?: unknown; status?: unknown };
  cause?: unknown;
}

/** The fields of a snowflake-sdk error the classifier reads. */
function detailsOf(err: unknown): { code?: string; sqlState?: string; status: number } {
  const e = (typeof err === 'object' && err !== null ? err : {}) as SnowflakeSdkError;
  return {
    code: e.code === undefined || e.code === null ? undefined : String(e.code),
    sqlState: typeof e.sqlState === 'string' ? e.sqlState : undefined,
    status: Number(e.response?.statusCode ?? e.response?.status ?? NaN),
  };
}

/** Snowflake's code and SQLSTATE (as `001003 (42000)`), its message, the HTTP status and the hint of a long wait. */
function describe(err: unknown): string {
  const { code, sqlState, status } = detailsOf(err);
  const label = code && /^\d{6}$/.test(code) ? ` ${code}${sqlState ? ` (${sqlState})` : ''}` : '';
  const detail = Number.isFinite(status) && status !== 200 ? ` (HTTP ${status})` : '';
  const wait = code === undefined ? undefined : LONG_WAITS.get(code);
  return `${label} ${errorMessage(err)}${detail}${wait ? ` (${wait.hint})` : ''}`.trimStart();
}

function rules(err: unknown): ErrorVerdict | undefined {
  const { code, sqlState, status } = detailsOf(err);
  if (code !== undefined) {
    const wait = LONG_WAITS.get(code);
    if (wait) return { kind: 'retryable', retryAfterMs: wait.ms };
    if (CONFIG_CODES.has(code)) return 'config';
    if (AUTH_CODES.has(code)) return 'permanent';
    if (SESSION_CODES.has(code)) return 'retryable';
    const numeric = Number(code);
    if (numeric === SDK_NETWORK || numeric === SDK_RESPONSE_NOT_JSON || numeric === SDK_INVALID_TOKEN) return 'retryable';
    if (SDK_CONNECTION_STATES.has(numeric)) return 'retryable';
    if (numeric === SDK_RESPONSE_FAILURE) {
      if (Number.isFinite(status) && (status === 408 || status === 429 || status >= 500)) return 'retryable';
      if (Number.isFinite(status) && status >= 400) return 'permanent';
      return 'retryable';
    }
  }
  if (sqlState && /^[0-9A-Z]{5}$/.test(sqlState)) {
    if (RETRYABLE_SQLSTATE_CLASSES.has(sqlState.slice(0, 2))) return 'retryable';
    // 42xxx compilation errors and missing objects, 22xxx bad data, 28xxx authorization.
    return 'permanent';
  }
  // Compilation/execution errors without SQLSTATE: 00xxxx (e.g. 001003 syntax, 002003 no object).
  if (code && /^00\d{4}$/.test(code)) return 'permanent';
  return undefined;
}

/**
 * Turns a snowflake-sdk error into the SDK's classified error, keeping Snowflake's own message
 * (and its code and SQLSTATE, as `001003 (42000)`) readable in the sync run.
 */
export const classifySnowflakeError = createErrorClassifier({ rules, describe });
