import { DuckDBInstance } from '@duckdb/node-api';

/** Runs one query on a DuckDB warehouse file and returns plain rows (the file is closed after). */
export async function queryDuckdb<T = Record<string, unknown>>(path: string, sql: string): Promise<T[]> {
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(sql);
    return reader.getRowObjectsJson() as T[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
