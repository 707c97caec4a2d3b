import { createHash, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAlerts, type AlertOptions } from './alerts/webhooks.ts';
import { createKeyResolver, keyFromAuthorization } from './auth/api-keys.ts';
import { answerClientError } from './capture/answer.ts';
import { captureEndpoint, createCaptureHandler, isCapturePath } from './capture/router.ts';
import { createSegmentDevices } from './capture/segment/devices.ts';
import { isConsolePath, serveConsole } from './console.ts';
import { createRateLimiter } from './rate-limit.ts';
import type { Config } from './config.ts';
import { pendingMigrations, type Database } from './db/client.ts';
import { inRequestScope, type Logger } from './log.ts';
import { createMetrics } from './metrics.ts';
import { createSecretBox } from './auth/secrets.ts';
import { createDefinitionChanges } from './definitions/services/changes.ts';
import { createDefinitionsEnrichmentSource } from './definitions/services/enrichment-source.ts';
import { definitionLookupTables } from './definitions/services/lookup-tables.ts';
import { DEFAULT_GRAPHQL_LIMITS, type GraphQLLimits } from './graphql/limits.ts';
import { createGraphQLServer } from './graphql/yoga.ts';
import { createPluginRegistry, type PluginRegistry } from './plugins/registry.ts';
import { createDestinationService } from './sync/destinations.ts';
import { DEFAULT_SYNC_OPTIONS, type SyncOptions } from './sync/run-sync.ts';
import { createSyncScheduler } from './sync/scheduler.ts';
import { createTargetGuard } from './sync/targets.ts';
import { createUserAgentParser } from './processing/user-agent.ts';
import { createEventWriter } from './processing/writer.ts';
import { createEventPartitions } from './lifecycle/partitions.ts';
import { createRetention } from './lifecycle/retention.ts';
import { createDeletions } from './lifecycle/deletions.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface AppDeps {
  config: Config;
  db: Database;
  /** The process's one logger (server/log.ts); every part of the app logs through it. */
  log: Logger;
  /** Installed destination plugins (main.ts loads third-party ones); default: the built-ins. */
  registry?: PluginRegistry;
  /** 64 hex characters encrypting destination credentials (server/auth/secrets.ts). */
  secretKeyHex: string;
  /** Overrides of the sync timings (tests shorten them). */
  syncOptions?: Partial<SyncOptions>;
  /** Capture key injected into the demo shop (see main.ts); no demo without it. */
  demoCaptureKey?: string;
  /** Overrides of the GraphQL limits (tests lower them to reach them cheaply). */
  graphqlLimits?: Partial<GraphQLLimits>;
  /** Overrides of the alert webhook timings (tests shorten them). */
  alertOptions?: Partial<AlertOptions>;
  /** The clock of capture times and retention, in epoch ms (tests simulate days with it). */
  clock?: () => number;
}

/**
 * Builds the whole application and never listens: main.ts listens and starts the sync
 * scheduler, tests call `handle` through a listening server or `yoga.fetch` in-process, and run
 * syncs with `sync.scheduler.runDue()`.
 */
export async function createApp(deps: AppDeps) {
  const { config, db, log } = deps;
  const registry = deps.registry ?? (await createPluginRegistry([]));
  const clock = deps.clock ?? Date.now;
  const secrets = createSecretBox(deps.secretKeyHex);
  const metrics = createMetrics(db, log);
  const targets = createTargetGuard({
    allowEndpointOverrides: config.allowEndpointOverrides,
    destinationHosts: config.destinationHosts,
    privateNetworks: config.destinationPrivateNetworks,
    filesDir: config.destinationFilesDir,
  });
  const sync = {
    registry,
    destinations: createDestinationService({ db, registry, secrets, targets, clock }),
    scheduler: createSyncScheduler(
      {
        db,
        log,
        metrics,
        registry,
        secrets,
        targets,
        lookupTables: (orgId) => definitionLookupTables(db, orgId),
        options: { ...DEFAULT_SYNC_OPTIONS, ...deps.syncOptions },
      },
      { concurrency: config.syncConcurrency },
    ),
  };
  const alerts = createAlerts({ db, log, metrics, secrets, targets, options: deps.alertOptions });
  const keys = createKeyResolver(db);
  const definitionChanges = createDefinitionChanges();
  const enrichment = createDefinitionsEnrichmentSource({ db, log, changes: definitionChanges });
  const partitions = createEventPartitions(db);
  const writer = createEventWriter({ db, enrichment, partitions, onFlush: metrics.flush });
  const retention = createRetention({
    db,
    partitions,
    clock,
    log,
    policy: { retentionMs: config.retentionMs, maxMs: config.retentionMaxMs },
    lateBeyondRetention: () => writer.takeLateBeyondRetention(),
  });
  const deletions = createDeletions({ db, registry, clock });
  const captureDeps = {
    config,
    db,
    clock,
    keys,
    writer,
    parseUserAgent: createUserAgentParser(),
    rateLimiter: createRateLimiter(config.captureRateLimit),
    log,
    metrics,
    deletions,
    segmentDevices: createSegmentDevices(db),
  };
  const capture = createCaptureHandler(captureDeps);

  const yoga = createGraphQLServer({
    config,
    log,
    db,
    keys,
    sync,
    deletions,
    alerts,
    definitionWrites: { db, changes: definitionChanges },
    limits: { ...DEFAULT_GRAPHQL_LIMITS, ...deps.graphqlLimits },
  });

  function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    return inRequestScope(
      log,
      req,
      res,
      () => route(req, res),
      (pathname) => (isCapturePath(pathname) ? captureEndpoint(pathname) : pathname),
    );
  }

  let stopping = false;

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // while stopping, every answer closes its connection: keep-alive clients reconnect elsewhere
    if (stopping) res.setHeader('connection', 'close');
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (isCapturePath(url.pathname)) return capture(req, res, url);
    if (url.pathname === '/graphql') return yoga(req, res);
    if (url.pathname === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (url.pathname === '/metrics') return metricsWithKey(req, res);
    if (url.pathname === '/readyz') {
      const readiness = await ready();
      res
        .writeHead(readiness.ready ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' })
        .end(JSON.stringify(readiness.body));
      return;
    }
    if (isConsolePath(url.pathname)) return serveConsole(res, url.pathname, root);
    if (url.pathname === '/sdk/tributary.js') return serveFile(res, path.join(root, 'sdk-web/dist/tributary.js'), 'text/javascript');
    if (deps.demoCaptureKey && (url.pathname === '/demo' || url.pathname.startsWith('/demo/'))) {
      return serveDemo(res, url.pathname, deps.demoCaptureKey);
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"NOT_FOUND","message":"not found"}}');
  }

  /** Ready: not stopping, the database answers (within 2 s) and has every migration of this build. */
  async function ready(): Promise<{ ready: boolean; body: Record<string, unknown> }> {
    if (stopping) return { ready: false, body: { status: 'stopping' } };
    let timer: NodeJS.Timeout | undefined;
    try {
      const late = new Promise<never>(
        (_, reject) => (timer = setTimeout(() => reject(new Error('the database did not answer within 2 s')), 2_000)),
      );
      const pending = await Promise.race([pendingMigrations(db), late]);
      return pending.length === 0
        ? { ready: true, body: { status: 'ready' } }
        : { ready: false, body: { status: 'migrations pending', pending } };
    } catch (err) {
      log.warn({ err }, 'readiness: the database does not answer');
      return { ready: false, body: { status: 'database unavailable' } };
    } finally {
      clearTimeout(timer);
    }
  }

  const metricsKeyHash = config.metricsKey ? sha256(config.metricsKey) : undefined;

  /** /metrics on the main port: only with TRIBUTARY_METRICS_KEY, sent as a bearer key. */
  async function metricsWithKey(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refuse = (status: number, code: string, message: string) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code, message } }));
    if (!metricsKeyHash)
      return void refuse(404, 'NOT_FOUND', 'metrics are served with TRIBUTARY_METRICS_KEY set, or on TRIBUTARY_METRICS_LISTEN');
    const given = keyFromAuthorization(req.headers.authorization);
    if (!given || !timingSafeEqual(sha256(given), metricsKeyHash))
      return void refuse(401, 'UNAUTHENTICATED', 'send the metrics key as "Authorization: Bearer <key>"');
    return serveMetrics(req, res);
  }

  /** GET /metrics, the Prometheus text exposition (the separate metrics listener calls it as is). */
  async function serveMetrics(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' || new URL(req.url ?? '/', 'http://localhost').pathname !== '/metrics') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"NOT_FOUND","message":"only GET /metrics here"}}');
      return;
    }
    const { contentType, body } = await metrics.scrape();
    res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' }).end(body);
  }

  return {
    handle,
    /** The handler of the metrics listener (TRIBUTARY_METRICS_LISTEN): GET /metrics, no key. */
    serveMetrics,
    metrics,
    /** The HTTP server's `clientError` listener: requests Node's parser refuses get a JSON error too. */
    handleClientError: answerClientError,
    yoga,
    writer,
    keys,
    sync,
    /** Keeps the store bounded: main.ts starts its hourly pass; tests call `retention.runOnce()`. */
    retention,
    /** Deletion requests (GraphQL `requestDeletion` calls it). */
    deletions,
    /** Alert webhooks: main.ts starts their periodic pass with the scheduler; tests call `alerts.runOnce()`. */
    alerts,
    /**
     * The start of a shutdown: /readyz answers 503, every answer closes its connection, the
     * scheduler claims nothing more and interrupts the runs still going after `syncGraceMs`.
     */
    beginShutdown(syncGraceMs: number) {
      stopping = true;
      void sync.scheduler.stop(syncGraceMs);
    },
    /** Stops the scheduler and retention, waits for captured events to be committed (the database stays open). */
    async close() {
      await sync.scheduler.stop();
      await alerts.stop();
      await retention.stop();
      await writer.drain();
    },
  };
}
export type App = Awaited<ReturnType<typeof createApp>>;

function serveFile(res: ServerResponse, file: string, type: string, transform?: (text: string) => string) {
  fs.readFile(file, 'utf8', (error, text) => {
    if (error) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"NOT_FOUND","message":"not built"}}');
      return;
    }
    res.writeHead(200, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-cache' }).end(transform ? transform(text) : text);
  });
}

/** The demo shop: static files, with every other path under /demo/ routed to its SPA page. */
function serveDemo(res: ServerResponse, pathname: string, captureKey: string) {
  const demoDir = path.join(root, 'sdk-web/demo');
  const relative = path.normalize(pathname.replace(/^\/demo\/?/, '')).replace(/^(\.\.[/\\])+/, '');
  const file = path.join(demoDir, relative);
  const types: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.html': 'text/html' };
  if (relative && file.startsWith(demoDir) && types[path.extname(file)] && fs.existsSync(file)) {
    return serveFile(res, file, types[path.extname(file)]!);
  }
  return serveFile(res, path.join(demoDir, 'index.html'), 'text/html', (html) => html.replaceAll('__TRIBUTARY_DEMO_KEY__', captureKey));
}

const sha256 = (text: string) => createHash('sha256').update(text).digest();
