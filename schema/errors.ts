import { AppError, NotFoundError, ValidationError } from '../server/errors.ts';
import { builder } from './builder.ts';

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
