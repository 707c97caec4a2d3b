/**
 * Runs the Snowflake fake as its own process (for the benchmark, or to point a script at it):
 *
 *   SNOWFLAKE_FAKE_DB=/tmp/fake.duckdb npx tsx test/fakes/snowflake-fake-server.ts
 *
 * prints {"url":"http://127.0.0.1:PORT"}. It accepts user `tributary`, password `secret`, and
 * serves the admin endpoints (`/_fake/query`, `/_fake/stats`, `/_fake/clear-log`).
 * SNOWFLAKE_FAKE_DB names a DuckDB file (default in memory), SNOWFLAKE_FAKE_MEMORY_LIMIT DuckDB's
 * memory_limit (e.g. 4GB).
 */
import { SnowflakeFake } from './snowflake-fake.ts';

const fake = await SnowflakeFake.start({
  adminEndpoint: true,
  ...(process.env.SNOWFLAKE_FAKE_DB ? { databasePath: process.env.SNOWFLAKE_FAKE_DB } : {}),
  ...(process.env.SNOWFLAKE_FAKE_MEMORY_LIMIT ? { memoryLimit: process.env.SNOWFLAKE_FAKE_MEMORY_LIMIT } : {}),
});
process.stdout.write(`${JSON.stringify({ url: fake.accessUrl })}\n`);
const stop = () => {
  void fake.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
