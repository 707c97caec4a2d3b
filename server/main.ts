import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { createApiKey } from './auth/api-keys.ts';
import { bootstrapFirstOrganization } from './auth/bootstrap.ts';
import { resolveSecretKey } from './auth/secrets.ts';
import { loadConfig, type Config } from './config.ts';
import { AppError } from './errors.ts';
import { openPglite, openPostgres, type Database } from './db/client.ts';
import { firstOrganization } from './db/queries/organizations.ts';
import { createLogger, type Logger } from './log.ts';
import { describeError } from './log-safe.ts';

/** The only process entry: reads configuration, opens the database, listens, stops on SIGTERM. */
async function main() {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof AppError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const log = await processLogger(config.logLevel);
  // The database opens (PGlite compiles its WASM off the main thread, migrations run) while the
  // app's modules load: the start costs the longer of the two, not their sum.
  const opening = config.databaseUrl ? openPostgres(config.databaseUrl) : openPglite(path.join(config.dataDir, 'pglite'));
  opening.catch(() => {}); // (awaited below; not an unhandled rejection meanwhile)
  const [{ createApp }, { createPluginRegistry }] = await Promise.all([import('./app.ts'), import('./plugins/registry.ts')]);
  const db = await opening;
  const where = config.databaseUrl ? 'Postgres (DATABASE_URL)' : `embedded PGlite in ${path.join(config.dataDir, 'pglite')}`;

  const first = await bootstrapFirstOrganization(db);
  const demoCaptureKey = config.demo ? await demoKey(db, config) : undefined;
  const secretKey = resolveSecretKey(config.secretKeyHex, config.dataDir);
  if (secretKey.generated && config.databaseUrl) {
    log.warn(
      { file: path.join(config.dataDir, 'secret-key') },
      'generated a secret key; set TRIBUTARY_SECRET_KEY to the same value on every instance',
    );
  }
  const registry = await createPluginRegistry(config.plugins);
  for (const problem of registry.problems) log.error({ problem }, 'a destination plugin was not loaded');
  const app = await createApp({ config, db, log, demoCaptureKey, registry, secretKeyHex: secretKey.keyHex });
  if (config.syncEnabled) {
    app.sync.scheduler.start();
    app.retention.start();
    app.alerts.start();
  }
  const server = http.createServer((req, res) => void app.handle(req, res));
  server.on('clientError', app.handleClientError);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  // metrics on a listener of their own (a private interface), without a key
  const metricsServer = config.metricsListen ? http.createServer((req, res) => void app.serveMetrics(req, res)) : undefined;
  if (metricsServer)
    await new Promise<void>((resolve) => metricsServer.listen(config.metricsListen!.port, config.metricsListen!.host, resolve));
  const metricsAddress = metricsServer?.address();
  const address = server.address();
  const base = `http://${config.host}:${typeof address === 'object' && address ? address.port : config.port}`;

  log.info(
    {
      store: where,
      console: `${base}/console/`,
      graphql: `${base}/graphql`,
      capture: `${base}/capture/v1/batch`,
      serverApi: `${base}/v2/events`,
      ...(demoCaptureKey ? { demo: `${base}/demo/` } : {}),
      destinations: app.sync.registry.list().map((p) => p.definition.id),
      sync: config.syncEnabled,
      metrics:
        metricsAddress && typeof metricsAddress === 'object'
          ? `http://${config.metricsListen!.host}:${metricsAddress.port}/metrics`
          : config.metricsKey
            ? `${base}/metrics`
            : 'off',
      startMs: Math.round(performance.now()),
    },
    'Tributary is running',
  );
  if (first) showFirstKeys(log, config, first);

  // SIGTERM or SIGINT (a second one kills at once): stop accepting, answer the requests in
  // flight (capture answers only once its events are committed), let running syncs finish or
  // interrupt and release them, close the pools; all within TRIBUTARY_SHUTDOWN_SECONDS.
  const stop = async (signal: NodeJS.Signals) => {
    log.info({ signal, deadlineMs: config.shutdownMs }, 'stopping');
    const deadline = setTimeout(() => {
      log.error({ deadlineMs: config.shutdownMs }, 'shutdown deadline passed: exiting with work unfinished');
      process.exit(1);
    }, config.shutdownMs);
    deadline.unref();
    app.beginShutdown(Math.max(0, config.shutdownMs - 5_000));
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // connections idle between requests (keep-alive) are closed now and whenever they become so
    const idle = setInterval(() => server.closeIdleConnections(), 100);
    server.closeIdleConnections();
    await closed;
    clearInterval(idle);
    await app.close();
    metricsServer?.close();
    metricsServer?.closeAllConnections();
    await db.close();
    log.info({ ms: Math.round(performance.now() - stopStarted) }, 'stopped');
    process.exit(0);
  };
  let stopStarted = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    stopStarted = performance.now();
    stop(signal).catch((err: unknown) => {
      log.error({ err }, 'shutdown failed');
      process.exit(1);
    });
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}

/** JSON lines on stdout; readable lines when stdout is a terminal (pino-pretty, loaded only then). */
async function processLogger(level: Config['logLevel']): Promise<Logger> {
  if (!process.stdout.isTTY) return createLogger(level);
  const { default: pretty } = await import('pino-pretty');
  return createLogger(level, pretty({ translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid', sync: true }));
}

/**
 * The first start's keys are never logged (logs are shipped and kept): on a terminal they are
 * shown once, otherwise written to a file only the server's user can read, which the log names.
 */
function showFirstKeys(log: Logger, config: Config, first: { adminKey: string; captureKey: string }) {
  const text = [
    'First start: created the default organization. These keys are shown only once:',
    `  admin key    ${first.adminKey}`,
    `  capture key  ${first.captureKey}`,
    'Make more with the createApiKey mutation (admin key), see README.md.',
  ].join('\n');
  if (process.stdout.isTTY) {
    process.stdout.write(`\n${text}\n\n`);
    return;
  }
  const file = path.join(config.dataDir, 'first-start-keys.txt');
  fs.mkdirSync(config.dataDir, { recursive: true });
  fs.writeFileSync(file, `${text}\n`, { mode: 0o600 });
  log.warn(
    { file },
    'first start: created the default organization; its admin and capture keys are in this file (read it, then delete it)',
  );
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

main().catch((error: unknown) => {
  process.stderr.write(`Tributary failed to start: ${describeError(error)}\n`);
  process.exit(1);
});
