import { parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import * as queries from '../../console/src/queries.ts';
import { schema } from '../../schema/index.ts';

/** Every document the console sends, from console/src/queries.ts (strings, or one per definition kind). */
const documents: [string, string][] = Object.entries(queries).flatMap(([name, value]): [string, string][] =>
  typeof value === 'string' ? [[name, value]] : Object.entries(value as Record<string, string>).map(([kind, text]) => [`${name}.${kind}`, text]),
);

describe('the console speaks the committed schema', () => {
  it('has documents to check', () => expect(documents.length).toBeGreaterThan(25));

  it.each(documents)('%s is valid against schema.graphql', (_name, text) => {
    expect(validate(schema, parse(text)).map((error) => error.message)).toEqual([]);
  });
});
