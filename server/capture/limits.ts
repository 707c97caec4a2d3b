/** Capture limits (documented in README.md "Limits"). */
export const LIMITS = {
  maxBodyBytes: 1024 * 1024,
  maxEventsPerBatch: 500,
  maxServerBatchRequests: 1000,
  maxServerBodyBytes: 5 * 1024 * 1024,
  maxPropertiesBytes: 32 * 1024,
  maxPropertiesDepth: 8,
  maxStringLength: 8192,
  maxUrlLength: 8192,
  maxTargetPathLength: 64,
  maxClientIdLength: 128,
  /** Events more than this far in the future (by the server clock) are rejected. */
  maxFutureMs: 24 * 60 * 60 * 1000,
  /** Events older than this (2000-01-01) are rejected as implausible. */
  minEventTimeMs: Date.UTC(2000, 0, 1),
} as const;

/** A JSON object (not an array, not null). */
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A rejection of one event or of a whole request, with a stable machine-readable code. */
export class Rejection {
  readonly code: string;
  readonly message: string;
  constructor(code: string, message: string) {
    this.code = code;
    this.message = message;
  }
}

export const reject = (code: string, message: string): Rejection => new Rejection(code, message);

/** Checks the size and nesting of a properties object; returns a rejection or null. */
export function checkProperties(value: unknown, field: string): Rejection | null {
  const measured = measureProperties(value, field);
  return measured instanceof Rejection ? measured : null;
}

/** checkProperties, answering the JSON text it measured when the object passes (undefined for no object). */
export function measureProperties(value: unknown, field: string): Rejection | string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return reject('INVALID_FIELD', `${field} must be an object`);
  }
  if (nestingDepth(value, LIMITS.maxPropertiesDepth) > LIMITS.maxPropertiesDepth) {
    return reject('PROPERTIES_TOO_DEEP', `${field} nests deeper than ${LIMITS.maxPropertiesDepth} levels`);
  }
  const json = JSON.stringify(value);
  if (json.length > LIMITS.maxPropertiesBytes) {
    return reject('PROPERTIES_TOO_LARGE', `${field} is ${json.length} bytes; the limit is ${LIMITS.maxPropertiesBytes}`);
  }
  return json;
}

/**
 * How deep objects and arrays nest in `value` (a scalar is 0, `{}` is 1), counted only up to just
 * past `limit`: the recursion never goes deeper than that, whatever the input.
 */
export function nestingDepth(value: unknown, limit: number, depth = 0): number {
  if (depth > limit || typeof value !== 'object' || value === null) return depth;
  let max = depth + 1;
  for (const child of Object.values(value)) {
    max = Math.max(max, nestingDepth(child, limit, depth + 1));
    if (max > limit) break;
  }
  return max;
}

export function checkEventTime(micros: number | undefined, now: number): Rejection | null {
  if (micros === undefined) {
    return reject('INVALID_TIMESTAMP', 'time must be an ISO-8601 timestamp with an offset, or epoch milliseconds');
  }
  const ms = micros / 1000;
  if (ms > now + LIMITS.maxFutureMs) return reject('TIMESTAMP_IN_FUTURE', 'time is more than 24 hours in the future');
  if (ms < LIMITS.minEventTimeMs) return reject('TIMESTAMP_TOO_OLD', 'time is before 2000-01-01');
  return null;
}
