import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { createApiKey } from './auth/api-keys.ts';
import { bootstrapFirstOrganization } from './auth/bootstrap.ts';
import { resolveSecretKey } from './auth/secrets.ts';
import { createPluginRegistry } from './plugins/registry.ts';
import { createApp } from './app.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { openPglite, openPostgres, type Database } from './db/client.ts';
import { firstOrganization } from './db/queries/organizations.ts';

/** The only process entry: reads configuration, opens the database, listens, stops on SIGTERM. */
async function main() {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const db = config.databaseUrl ? await openPostgres(config.databaseUrl) : await openPglite(path.join(config.dataDir, 'pglite'));
  const where = config.databaseUrl ? 'Postgres (DATABASE_URL)' : `embedded PGlite in ${path.join(config.dataDir, 'pglite')}`;

  const first = await bootstrapFirstOrganization(db);
  const demoCaptureKey = config.demo ? await demoKey(db, config) : undefined;
  const secretKey = resolveSecretKey(config.secretKeyHex, config.dataDir);
  if (secretKey.generated && config.databaseUrl) {
    console.warn(`generated a secret key in ${config.dataDir}/secret-key; set TRIBUTARY_SECRET_KEY to the same value on every instance`);
  }
  const registry = await createPluginRegistry(config.plugins);
  for (const problem of registry.problems) console.error(problem);
  const app = await createApp({ config, db, demoCaptureKey, registry, secretKeyHex: secretKey.keyHex });
  if (config.syncEnabled) {
    app.sync.scheduler.start();
    app.retention.start();
  }
  const server = http.createServer((req, res) => void app.handle(req, res));
  server.on('clientError', app.handleClientError);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  const address = server.address();
  const base = `http://${config.host}:${typeof address === 'object' && address ? address.port : config.port}`;

  console.log(`Tributary is running on ${where}`);
  console.log(`  GraphQL   ${base}/graphql`);
  console.log(`  capture   ${base}/capture/v1/batch   server API ${base}/v2/events`);
  if (demoCaptureKey) console.log(`  demo shop ${base}/demo/`);
  console.log(`  destinations: ${app.sync.registry.list().map((p) => p.definition.id).join(', ')}${config.syncEnabled ? '' : ' (sync scheduler off)'}`);
  if (first) {
    console.log('\nFirst start: created the default organization. These keys are shown only once:');
    console.log(`  admin key    ${first.adminKey}`);
    console.log(`  capture key  ${first.captureKey}`);
    console.log('Make more with the createApiKey mutation (admin key), see README.md.\n');
  }

  const stop = async () => {
    console.log('stopping…');
    server.close();
    server.closeIdleConnections();
    await app.close();
    await db.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

/** The demo shop's capture key, created once and kept in the data folder. */
async function demoKey(db: Database, config: Config): Promise<string> {
  const file = path.join(config.dataDir, 'demo-capture-key');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const org = await firstOrganization(db);
  const { key } = await createApiKey(db, { orgId: org!.id, name: 'demo shop', role: 'capture', createdBy: 'demo' });
  fs.mkdirSync(config.dataDir, { recursive: true });
  fs.writeFileSync(file, key, { mode: 0o600 });
  return key;
}

main().catch((error) => {
  console.error('Tributary failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
