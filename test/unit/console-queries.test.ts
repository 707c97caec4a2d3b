import { readFile } from 'node:fs/promises';
import { generate } from '@graphql-codegen/cli';
import { parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import config from '../../console/codegen.ts';
import * as queries from '../../console/src/queries.ts';
import { schema } from '../../schema/index.ts';

/** Every document the console sends, from console/src/queries.ts (one, or one per definition kind). */
const documents: [string, string][] = Object.entries(queries).flatMap(([name, value]): [string, string][] =>
  value instanceof String
    ? [[name, value.toString()]]
    : Object.entries(value as Record<string, object>).map(([kind, text]) => [`${name}.${kind}`, text.toString()]),
);

describe('the console speaks the committed schema', () => {
  it('has documents to check', () => expect(documents.length).toBeGreaterThan(25));

  it.each(documents)('%s is valid against schema.graphql', (_name, text) => {
    expect(validate(schema, parse(text)).map((error) => error.message)).toEqual([]);
  });

  it('has its typed client generated from the current schema and documents (npm run codegen)', { timeout: 60_000 }, async () => {
    const files = await generate({ ...config, silent: true }, false);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(await readFile(file.filename, 'utf8'), `${file.filename}: run npm run codegen`).toBe(file.content);
  });
});
