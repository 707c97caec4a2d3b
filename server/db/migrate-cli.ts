import path from 'node:path';
import { loadConfig } from '../config.ts';
import { AppError } from '../errors.ts';
import { openPglite, openPostgres } from './client.ts';

/**
 * `npm run db:migrate`: applies the migrations to DATABASE_URL (or the embedded database in
 * DATA_DIR) and exits. The server applies them at start-up too; this is for deploy pipelines
 * that migrate before rolling out new instances.
 */
try {
  const config = loadConfig();
  const db = config.databaseUrl
    ? await openPostgres(config.databaseUrl, { max: 1 })
    : await openPglite(path.join(config.dataDir, 'pglite'));
  await db.close();
  console.log(`migrations applied to ${config.databaseUrl ? 'DATABASE_URL' : path.join(config.dataDir, 'pglite')}`);
} catch (error) {
  console.error(error instanceof AppError ? error.message : `migration failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
