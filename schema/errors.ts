import { builder } from './builder.ts';
import { isUuid } from './cursors.ts';

/**
 * Expected failures are data: mutations return them in a union with their result. Every one has
 * a stable SCREAMING_SNAKE `code`; anything unexpected is masked by Yoga and logged.
 */
export class AppError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/** The referenced object does not exist in the caller's organization. */
export class NotFoundError extends AppError {
  constructor(what: string) {
    super('NOT_FOUND', `${what} was not found`);
  }
}

/** The input is well-typed but not acceptable (bad selector, bad regex, bad config …). */
export class ValidationError extends AppError {
  readonly field: string | null;
  constructor(code: string, message: string, field: string | null = null) {
    super(code, message);
    this.field = field;
  }
}

export const AppErrorInterface = builder.interfaceRef<AppError>('AppError').implement({
  description: 'An expected failure with a stable machine-readable code.',
  fields: (t) => ({
    code: t.exposeString('code'),
    message: t.exposeString('message'),
  }),
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  interfaces: [AppErrorInterface],
  isTypeOf: (value) => value instanceof NotFoundError,
});

builder.objectType(ValidationError, {
  name: 'ValidationError',
  interfaces: [AppErrorInterface],
  isTypeOf: (value) => value instanceof ValidationError,
  fields: (t) => ({ field: t.exposeString('field', { nullable: true }) }),
});

/**
 * What `load` finds for an id, or null. Every stored record's id is a uuid: anything else names
 * nothing and reaches no query (Postgres would refuse it with an error instead of "not found").
 */
export async function byUuid<T>(id: string | number, load: (uuid: string) => Promise<T | null | undefined>): Promise<T | null> {
  const uuid = String(id);
  return isUuid(uuid) ? ((await load(uuid)) ?? null) : null;
}

/** `byUuid` for mutations: nothing found is a NotFoundError for `what`. */
export async function byUuidOrNotFound<T>(id: string | number, what: string, load: (uuid: string) => Promise<T | null | undefined>): Promise<T> {
  const found = await byUuid(id, load);
  if (found === null) throw new NotFoundError(what);
  return found;
}
