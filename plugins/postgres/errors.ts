import { ConfigError, PermanentError, RetryableError, classifyError, errorMessage } from '@tributary/destination-sdk';
import type { DestinationError } from '@tributary/destination-sdk';

// SQLSTATE classes/codes after https://www.postgresql.org/docs/current/errcodes-appendix.html
const RETRYABLE_CLASSES = ['08', '53', '57', '58', '40', 'HV'];
const RETRYABLE_CODES = new Set(['55P03', '55006', '25P04']);
const CONFIG_CODES = new Set(['3D000', '3F000']);

/** Turns a postgres-js (or network) error into the SDK's classified error. */
export function classifyPostgresError(err: unknown, doing: string): DestinationError {
  if (err instanceof RetryableError || err instanceof PermanentError || err instanceof ConfigError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const message = `${doing}: ${errorMessage(err)}`;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
    if (CONFIG_CODES.has(code)) return new ConfigError(message, { cause: err });
    if (RETRYABLE_CODES.has(code) || RETRYABLE_CLASSES.includes(code.slice(0, 2))) {
      return new RetryableError(message, { cause: err });
    }
    // 28xxx bad credentials, 42xxx privileges/syntax, 22xxx/23xxx bad data: all need a human.
    return new PermanentError(message, { cause: err });
  }
  switch (classifyError(err)) {
    case 'permanent':
      return new PermanentError(message, { cause: err });
    case 'config':
      return new ConfigError(message, { cause: err });
    default:
      return new RetryableError(message, { cause: err });
  }
}
