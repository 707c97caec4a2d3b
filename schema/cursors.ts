import { GraphQLError } from 'graphql';

/** An argument the caller got wrong (masked errors would hide a plain Error). */
export const invalidArgument = (message: string, code = 'INVALID_ARGUMENT') => new GraphQLError(message, { extensions: { code } });

export { isUuid } from '../server/events/ids.ts';

/** The cost of a list field that returns at most `rows` rows (builder.ts: complexity). */
export const listCost = (rows: number) => ({ field: 1, multiplier: rows });

/** An opaque keyset cursor: the position of the last row of a page. */
export const encodeCursor = (...parts: string[]): string => Buffer.from(parts.join('|')).toString('base64url');

/** The parts of a cursor from `encodeCursor`; a cursor that fails `valid` is INVALID_CURSOR. */
export function decodeCursor(cursor: string, valid: (parts: string[]) => boolean): string[] {
  const parts = /^[A-Za-z0-9_-]{1,200}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8').split('|') : [];
  if (!valid(parts)) throw invalidArgument('after is not a cursor returned by this list', 'INVALID_CURSOR');
  return parts;
}

/**
 * A time the store can compare with: Postgres takes years 4713 BC to 294276 AD, JavaScript dates
 * reach further both ways; a caller never needs more than years 1 to 9999.
 */
export const isStorableTime = (time: Date): boolean => !Number.isNaN(time.getTime()) && time.getUTCFullYear() >= 1 && time.getUTCFullYear() <= 9999;
