import { createErrorClassifier, errorMessage } from '@tributary/destination-sdk';

/**
 * Turns a DuckDB error (its message starts with the error type, e.g. `IO Error: …`) into the
 * SDK's classified error.
 */
export const classifyDuckdbError = createErrorClassifier({
  rules: (err) => {
    const text = errorMessage(err);
    // Another process (a user's notebook, a second server) holds the file's write lock.
    if (/Could not set lock|Conflicting lock/i.test(text)) return 'retryable';
    if (/^(Out of Memory|Interrupt) Error/.test(text)) return 'retryable';
    if (/^IO Error/.test(text) && /No such file|Is a directory|Permission denied|Not a directory|Read-only/i.test(text)) return 'config';
    if (/^[A-Z][A-Za-z ]* Error: /.test(text)) return 'permanent';
    return undefined;
  },
});
