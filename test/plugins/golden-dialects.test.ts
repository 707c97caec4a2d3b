/**
 * Every SQL statement pinned in the warehouse plugins' golden files, parsed by sqlglot (a
 * maintained multi-dialect SQL parser, test/requirements.txt) in its warehouse's dialect: the
 * fakes run the SQL on DuckDB and Postgres, which accept things the real warehouses do not (and
 * the other way round); this proves the SQL is at least the warehouse's own grammar.
 * TRIBUTARY_PYTHON names a Python with sqlglot (.ci/run sets it).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { requirement } from '../support/requirements.ts';

const PYTHON = process.env.TRIBUTARY_PYTHON ?? 'python3';
const SCRIPT = fileURLToPath(new URL('../support/parse_sql.py', import.meta.url));
const GOLDEN = fileURLToPath(new URL('./golden/', import.meta.url));
const hasSqlglot = requirement(
  'sqlglot',
  spawnSync(PYTHON, ['-c', 'import sqlglot'], { stdio: 'ignore' }).status === 0,
  'pip install -r test/requirements.txt, or point TRIBUTARY_PYTHON at a Python that has it',
);

const DIALECTS: Record<string, string> = { snowflake: 'snowflake', redshift: 'redshift', bigquery: 'bigquery' };
// The statements of a golden file that are SQL (Snowflake's PUT included; its REMOVE is not in
// sqlglot's grammar); the others record API calls (login, LOAD, GET
// dataset, CREATE table …: lower-case objects, as the files write them).
const SQL_START =
  /^(SELECT|WITH|INSERT|UPDATE|DELETE|MERGE|CREATE|ALTER|DROP|TRUNCATE|BEGIN|COMMIT|ROLLBACK|COPY|USE|PUT|DECLARE)\b(?! (dataset|table|datasets)\b)/;

interface Statement {
  id: string;
  dialect: string;
  sql: string;
}

function goldenStatements(): Statement[] {
  const statements: Statement[] = [];
  for (const warehouse of Object.keys(DIALECTS)) {
    const folder = path.join(GOLDEN, warehouse);
    for (const file of fs
      .readdirSync(folder)
      .filter((f) => f.endsWith('.sql'))
      .sort()) {
      const text = fs.readFileSync(path.join(folder, file), 'utf8');
      text
        .split(/;\n(?:\n|$)/)
        .map((chunk) =>
          chunk
            .split('\n')
            .filter((line) => !line.startsWith('-- '))
            .join('\n')
            .trim(),
        )
        .filter((chunk) => SQL_START.test(chunk))
        .forEach((sql, i) => statements.push({ id: `${warehouse}/${file}#${i + 1}`, dialect: DIALECTS[warehouse]!, sql }));
    }
  }
  return statements;
}

function parse(statements: Statement[]): { id: string; ok: boolean; kind: string | null; error: string | null }[] {
  const run = spawnSync(PYTHON, [SCRIPT], { input: JSON.stringify(statements), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`parse_sql.py failed: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

describe.runIf(hasSqlglot)('golden SQL in its warehouse dialect (sqlglot)', () => {
  it('parses every SQL statement the Snowflake, Redshift and BigQuery plugins send', () => {
    const statements = goldenStatements();
    for (const warehouse of Object.keys(DIALECTS)) {
      expect(statements.filter((s) => s.id.startsWith(`${warehouse}/`)).length, `${warehouse} golden statements`).toBeGreaterThan(5);
    }
    const failures = parse(statements).filter((r) => !r.ok);
    expect(failures.map((f) => `${f.id}: ${f.error}`)).toEqual([]);
  });

  it('negative control: refuses broken SQL and syntax of another dialect', () => {
    const results = parse([
      { id: 'broken', dialect: 'snowflake', sql: 'MERGE INTO t USING s ON WHEN MATCHED THEN' },
      { id: 'unknown', dialect: 'redshift', sql: 'FROBNICATE TABLE t' },
      { id: 'bigquery-in-redshift', dialect: 'redshift', sql: 'SELECT * FROM `project.dataset.events`' },
      { id: 'snowflake-in-bigquery', dialect: 'bigquery', sql: 'SELECT event_properties:target::string FROM events' },
    ]);
    expect(results.map((r) => [r.id, r.ok])).toEqual([
      ['broken', false],
      ['unknown', false],
      ['bigquery-in-redshift', false],
      ['snowflake-in-bigquery', false],
    ]);
  });
});
