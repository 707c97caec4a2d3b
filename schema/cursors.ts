import { GraphQLError } from 'graphql';

/** An argument the caller got wrong (masked errors would hide a plain Error). */
export const badInput = (message: string) => new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });

export { isUuid } from '../server/processing/ids.ts';

/** An opaque keyset cursor: the position of the last row of a page. */
export const encodeCursor = (...parts: string[]): string => Buffer.from(parts.join('|')).toString('base64url');

/** The parts of a cursor from `encodeCursor`; a cursor that fails `valid` is BAD_USER_INPUT. */
export function decodeCursor(cursor: string, valid: (parts: string[]) => boolean): string[] {
  const parts = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!valid(parts)) throw badInput('after is not a cursor returned by this list');
  return parts;
}
