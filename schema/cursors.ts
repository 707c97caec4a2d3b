import { GraphQLError } from 'graphql';

/** An argument the caller got wrong (masked errors would hide a plain Error). */
export const invalidArgument = (message: string, code = 'INVALID_ARGUMENT') => new GraphQLError(message, { extensions: { code } });

export { isUuid } from '../server/events/ids.ts';

/** The cost of a list field that returns at most `rows` rows (builder.ts: complexity). */
export const listCost = (rows: number) => ({ field: 1, multiplier: rows });

/**
 * The paging policy of every list (README "GraphQL", "Lists and paging"): a Relay connection read
 * forward, newest or first-in-order first, `first` rows (1 to MAX_PAGE, default DEFAULT_PAGE)
 * after the opaque cursor `after`. `last` and `before` are refused: no list needs to be read
 * backwards, and keyset cursors stay stable while rows arrive. `events` and `runs` are keyset positions; the other lists
 * (a few rows per organization, or read newest first) page by position in the list, down to
 * MAX_POSITION rows: a cursor says how many rows a request reads, so it is bounded like `first`.
 */
export const MAX_PAGE = 500;
export const DEFAULT_PAGE = 50;
export const MAX_POSITION = 10_000;

/** The arguments of every connection field (added by @pothos/plugin-relay). */
export interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

/** The rows a page asks for; INVALID_ARGUMENT for what the policy does not allow. */
export function pageSize(args: PageArgs): number {
  if (args.last != null || args.before != null) throw invalidArgument('lists are read forward: use first and after, not last and before');
  const first = args.first ?? DEFAULT_PAGE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) throw invalidArgument(`first must be between 1 and ${MAX_PAGE}`);
  return first;
}

/** The cost of a connection field: its selection times the rows it may return. */
export const connectionCost = (args: PageArgs) => listCost(Math.min(Math.max(args.first ?? DEFAULT_PAGE, 1), MAX_PAGE));

/** A connection from rows read with one row more than `first` (that row only says a next page exists). */
export function connectionOf<T>(rows: readonly T[], first: number, cursorOf: (row: T, index: number) => string, after: unknown) {
  const edges = rows.slice(0, first).map((node, index) => ({ node, cursor: cursorOf(node, index) }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > first,
      hasPreviousPage: after != null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

/**
 * A page of a list read by position: `load(limit)` returns the list's first `limit` rows in order
 * (or all of them). The cursor is the row's position.
 */
export async function connectionByPosition<T>(args: PageArgs, load: (limit: number) => Promise<readonly T[]> | readonly T[]) {
  const first = pageSize(args);
  const offset = args.after
    ? Number(decodeCursor(args.after, ([n, ...rest]) => /^\d{1,5}$/.test(n ?? '') && Number(n) < MAX_POSITION && rest.length === 0)[0]) + 1
    : 0;
  const rows = (await load(offset + first + 1)).slice(offset);
  return connectionOf(rows, first, (_row, index) => encodeCursor(String(offset + index)), args.after);
}

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
export const isStorableTime = (time: Date): boolean =>
  !Number.isNaN(time.getTime()) && time.getUTCFullYear() >= 1 && time.getUTCFullYear() <= 9999;
