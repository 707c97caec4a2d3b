import { AppError, NotFoundError, ValidationError } from '../server/errors.ts';
import { builder } from './builder.ts';
import { isUuid } from './cursors.ts';

/**
 * The GraphQL edge of the host's error family (server/errors.ts): expected failures are data,
 * mutations return `NotFoundError` and `ValidationError` in a union with their result (the
 * errors plugin, `errors: { types }`); anything else is masked by Yoga and logged.
 */
export { AppError, NotFoundError, ValidationError } from '../server/errors.ts';

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
export async function byUuidOrNotFound<T>(
  id: string | number,
  what: string,
  load: (uuid: string) => Promise<T | null | undefined>,
): Promise<T> {
  const found = await byUuid(id, load);
  if (found === null) throw new NotFoundError(what);
  return found;
}
