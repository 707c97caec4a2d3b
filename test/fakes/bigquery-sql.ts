/**
 * The small BigQuery (GoogleSQL) → DuckDB rewriter behind the BigQuery fake. It knows only the
 * forms Tributary and its tests send; anything else reaches DuckDB as written and fails there,
 * which the fake reports as `invalidQuery`, as BigQuery would.
 */

/** Splits a script on `;` outside quotes and comments; empty statements are dropped. */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let current = '';
  for (let i = 0; i < sql.length; i += 1) {
    const ch = sql[i]!;
    if (ch === "'" || ch === '"' || ch === '`') {
      const end = closingQuote(sql, i, ch);
      current += sql.slice(i, end + 1);
      i = end;
    } else if (ch === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end - 1;
    } else if (ch === ';') {
      if (current.trim()) statements.push(current.trim());
      current = '';
    } else {
      current += ch;
    }
  }
  if (current.trim()) statements.push(current.trim());
  return statements;
}

function closingQuote(sql: string, start: number, quote: string): number {
  for (let i = start + 1; i < sql.length; i += 1) {
    if (sql[i] === '\\') i += 1;
    else if (sql[i] === quote) return i;
  }
  return sql.length - 1;
}

/** BigQuery type names (standard and legacy) → DuckDB types. */
export const DUCKDB_TYPES: Record<string, string> = {
  STRING: 'VARCHAR',
  INT64: 'BIGINT',
  INTEGER: 'BIGINT',
  FLOAT64: 'DOUBLE',
  FLOAT: 'DOUBLE',
  BOOL: 'BOOLEAN',
  BOOLEAN: 'BOOLEAN',
  TIMESTAMP: 'TIMESTAMPTZ',
  DATETIME: 'TIMESTAMP',
  DATE: 'DATE',
  TIME: 'TIME',
  JSON: 'JSON',
  NUMERIC: 'DECIMAL(38,9)',
  BIGNUMERIC: 'DECIMAL(38,9)',
  BYTES: 'BLOB',
};

/** A table path as BigQuery SQL names it, resolved to dataset and table. */
export interface TableName {
  projectId?: string;
  datasetId: string;
  tableId: string;
}

/** Parses `project.dataset.table`, `dataset.table` (with or without backticks). */
export function parseTableName(text: string): TableName | undefined {
  const parts = text
    .replace(/`/g, '')
    .split('.')
    .map((part) => part.trim());
  if (parts.length === 3) return { projectId: parts[0], datasetId: parts[1]!, tableId: parts[2]! };
  if (parts.length === 2) return { datasetId: parts[0]!, tableId: parts[1]! };
  return undefined;
}

/** The statement's kind and, for DML/DDL, the table it writes to. */
export function statementTarget(sql: string): { kind: string; table?: TableName } {
  const match =
    /^\s*(MERGE(?:\s+INTO)?|UPDATE|DELETE(?:\s+FROM)?|TRUNCATE\s+TABLE|INSERT(?:\s+INTO)?|CREATE(?:\s+OR\s+REPLACE)?\s+TABLE(?:\s+IF\s+NOT\s+EXISTS)?|DROP\s+TABLE(?:\s+IF\s+EXISTS)?)\s+(`[^`]+`|[\w.-]+)/i.exec(
      sql,
    );
  if (!match) {
    const keyword = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? 'UNKNOWN';
    return { kind: keyword };
  }
  const kind = match[1]!.split(/\s+/)[0]!.toUpperCase();
  return { kind, table: parseTableName(match[2]!) };
}

/** Rewrites one GoogleSQL statement to DuckDB SQL. Parameters `@name` become `$name`. */
export function rewriteStatement(sql: string): string {
  let out = '';
  for (let i = 0; i < sql.length; i += 1) {
    const ch = sql[i]!;
    if (ch === "'" || ch === '"') {
      const end = closingQuote(sql, i, ch);
      // GoogleSQL allows "..." for strings; DuckDB needs '...'.
      const body = sql
        .slice(i + 1, end)
        .replace(/\\(.)/g, '$1')
        .replace(/'/g, "''");
      out += `'${body}'`;
      i = end;
    } else if (ch === '`') {
      const end = closingQuote(sql, i, ch);
      const name = parseTableName(sql.slice(i, end + 1));
      out += name ? `"${name.datasetId}"."${name.tableId}"` : `"${sql.slice(i + 1, end)}"`;
      i = end;
    } else if (ch === '@' && /[A-Za-z_]/.test(sql[i + 1] ?? '')) {
      out += '$';
    } else {
      out += ch;
    }
  }
  return rewriteKeywords(out);
}

function rewriteKeywords(sql: string): string {
  return (
    sql
      // MERGE / INSERT without INTO.
      .replace(/^\s*MERGE\s+(?!INTO\b)/i, 'MERGE INTO ')
      .replace(/^\s*INSERT\s+(?!INTO\b)/i, 'INSERT INTO ')
      .replace(/^\s*COMMIT\s+TRANSACTION\s*$/i, 'COMMIT')
      .replace(/^\s*ROLLBACK\s+TRANSACTION\s*$/i, 'ROLLBACK')
      // SELECT * EXCEPT(...) is DuckDB's EXCLUDE.
      .replace(/\*\s*EXCEPT\s*\(/gi, '* EXCLUDE (')
      // x IN UNNEST(@array) is DuckDB's IN over the list's elements.
      .replace(/\bIN\s+UNNEST\s*\((\$\w+)\)/gi, 'IN (SELECT UNNEST($1))')
      .replace(/\bCURRENT_TIMESTAMP\s*\(\s*\)/gi, 'get_current_timestamp()')
      .replace(/\bUNIX_MICROS\s*\(/gi, 'epoch_us(')
      .replace(/\bSAFE_CAST\s*\(/gi, 'TRY_CAST(')
      .replace(/\bTO_JSON_STRING\s*\(/gi, 'to_json(')
      .replace(/\bPARSE_JSON\s*\(/gi, 'json(')
      // DDL options DuckDB has no use for.
      .replace(/\bPARTITION\s+BY\s+(?:DATE\s*\([^)]*\)|TIMESTAMP_TRUNC\s*\([^)]*\)|\w+)(?=\s*(?:CLUSTER|OPTIONS|AS|$))/gi, '')
      .replace(/\bCLUSTER\s+BY\s+[\w\s,]+?(?=\s*(?:OPTIONS|AS\b|$))/gi, '')
      .replace(/\bOPTIONS\s*\([^)]*\)/gi, '')
      // Type names in casts and DDL.
      .replace(/\b(STRING|INT64|FLOAT64|BOOL|TIMESTAMP|NUMERIC|BIGNUMERIC|BYTES|DATETIME)\b(?!\s*\()/gi, (name) => {
        const upper = name.toUpperCase();
        return DUCKDB_TYPES[upper] ?? name;
      })
  );
}
