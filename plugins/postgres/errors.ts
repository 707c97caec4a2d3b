import { createErrorClassifier } from '@tributary/destination-sdk';

// SQLSTATE classes/codes after https://www.postgresql.org/docs/current/errcodes-appendix.html
const RETRYABLE_CLASSES = ['08', '53', '57', '58', '40', 'HV'];
const RETRYABLE_CODES = new Set(['55P03', '55006', '25P04']);
const CONFIG_CODES = new Set(['3D000', '3F000']);

/** Turns a postgres-js (or network) error into the SDK's classified error. */
export const classifyPostgresError = createErrorClassifier({
  rules: (err) => {
    const code = (err as { code?: unknown } | null)?.code;
    if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return undefined;
    if (CONFIG_CODES.has(code)) return 'config';
    if (RETRYABLE_CODES.has(code) || RETRYABLE_CLASSES.includes(code.slice(0, 2))) return 'retryable';
    // 28xxx bad credentials, 42xxx privileges/syntax, 22xxx/23xxx bad data: all need a human.
    return 'permanent';
  },
});
