import { pgErrorCode } from './db/client.ts';

/**
 * What of an error may go to a log. Logs never carry event payloads, SQL texts with values or
 * keys: a database error keeps its SQLSTATE (its message, detail and the failed query quote the
 * values), a JSON syntax error its class (its message quotes the input), anything else its class
 * and message, cut short. Stacks only when asked (LOG_LEVEL=debug).
 */
export function describeError(error: unknown, withStack = false): string {
  if (!(error instanceof Error)) return `non-Error thrown (${typeof error})`;
  const sqlstate = pgErrorCode(error);
  if (sqlstate) return `database error ${sqlstate}`;
  if (error.name === 'DrizzleQueryError' || error.message.startsWith('Failed query')) return 'database query failed';
  if (error instanceof SyntaxError) return 'SyntaxError';
  const text = `${error.name}: ${error.message.slice(0, 200)}`;
  return withStack && error.stack ? `${text}\n${error.stack.split('\n').slice(1, 8).join('\n')}` : text;
}
