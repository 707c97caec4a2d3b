import { GraphQLError } from 'graphql';

/** An argument the caller got wrong (masked errors would hide a plain Error). */
export const badInput = (message: string) => new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether an id argument can name a row at all (anything else is "not found", never a SQL error). */
export const isUuid = (id: string): boolean => UUID.test(id);

/** An opaque keyset cursor: the position of the last row of a page. */
export const encodeCursor = (...parts: string[]): string => Buffer.from(parts.join('|')).toString('base64url');

/** The parts of a cursor from `encodeCursor`; a cursor that fails `valid` is BAD_USER_INPUT. */
export function decodeCursor(cursor: string, valid: (parts: string[]) => boolean): string[] {
  const parts = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!valid(parts)) throw badInput('after is not a cursor returned by this list');
  return parts;
}
