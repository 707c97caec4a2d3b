import { ConfigError, PermanentError, RetryableError, classifyError, errorMessage } from '@tributary/destination-sdk';
import type { DestinationError } from '@tributary/destination-sdk';

/**
 * Turns a DuckDB error (its message starts with the error type, e.g. `IO Error: …`) into the
 * SDK's classified error.
 */
export function classifyDuckdbError(err: unknown, doing: string): DestinationError {
  if (err instanceof RetryableError || err instanceof PermanentError || err instanceof ConfigError) return err;
  const text = errorMessage(err);
  const message = `${doing}: ${text}`;
  // Another process (a user's notebook, a second server) holds the file's write lock.
  if (/Could not set lock|Conflicting lock/i.test(text)) return new RetryableError(message, { cause: err });
  if (/^(Out of Memory|Interrupt) Error/.test(text)) return new RetryableError(message, { cause: err });
  if (/^IO Error/.test(text) && /No such file|Is a directory|Permission denied|Not a directory|Read-only/i.test(text)) {
    return new ConfigError(message, { cause: err });
  }
  if (/^[A-Z][A-Za-z ]* Error: /.test(text)) return new PermanentError(message, { cause: err });
  return classifyError(err) === 'retryable'
    ? new RetryableError(message, { cause: err })
    : new PermanentError(message, { cause: err });
}
