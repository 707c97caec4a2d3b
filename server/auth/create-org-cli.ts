import path from 'node:path';
import { loadConfig } from '../config.ts';
import { AppError } from '../errors.ts';
import { openPglite, openPostgres } from '../db/client.ts';
import { createOrganization } from '../db/queries/organizations.ts';
import { createApiKey } from './api-keys.ts';

/**
 * `npm run org:create -- NAME`: creates an organization in DATABASE_URL (or the embedded database
 * in DATA_DIR, which only one process may open: stop the server first) and prints its admin key,
 * once. The admin key makes every other key with the createApiKey mutation.
 */
const name = process.argv.slice(2).join(' ').trim();
if (name.length === 0 || name.length > 200 || name.includes('\u0000')) {
  console.error('usage: npm run org:create -- NAME   (1 to 200 characters)');
  process.exit(2);
}
try {
  const config = loadConfig();
  const db = config.databaseUrl
    ? await openPostgres(config.databaseUrl, { max: 1 })
    : await openPglite(path.join(config.dataDir, 'pglite'));
  try {
    const { org, key } = await db.transaction(async (tx) => {
      const created = await createOrganization(tx, name);
      const admin = await createApiKey(tx, { orgId: created.id, name: 'org:create admin', role: 'admin', createdBy: 'org:create' });
      return { org: created, key: admin.key };
    });
    console.log(`created organization "${org.name}" (${org.id}). Its admin key, shown only once:\n  ${key}`);
  } finally {
    await db.close();
  }
} catch (error) {
  console.error(
    error instanceof AppError
      ? error.message
      : `could not create the organization: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
}
