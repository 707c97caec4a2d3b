import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKeyResolver } from './auth/api-keys.ts';
import { answerClientError } from './capture/http.ts';
import { createCaptureHandler, isCapturePath } from './capture/router.ts';
import { createSegmentDevices } from './capture/segment-devices.ts';
import { createRateLimiter } from './capture/rate-limit.ts';
import type { Config } from './config.ts';
import type { Database } from './db/client.ts';
import { createSecretBox } from './auth/secrets.ts';
import { createDefinitionsEnrichmentSource } from './definitions/enrichment-source.ts';
import { definitionLookupTables } from './definitions/lookup-tables.ts';
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
  /** The clock of capture times and retention, in epoch ms (tests simulate days with it). */
  clock?: () => number;
}

/**
 * Builds the whole application and never listens: main.ts listens and starts the sync
 * scheduler, tests call `handle` through a listening server or `yoga.fetch` in-process, and run
 * syncs with `sync.scheduler.runDue()`.
 */
export async function createApp(deps: AppDeps) {
  const { config, db } = deps;
  const registry = deps.registry ?? (await createPluginRegistry([]));
  const clock = deps.clock ?? Date.now;
  const secrets = createSecretBox(deps.secretKeyHex);
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
      { db, registry, secrets, targets, lookupTables: (orgId) => definitionLookupTables(db, orgId), options: { ...DEFAULT_SYNC_OPTIONS, ...deps.syncOptions } },
      { concurrency: config.syncConcurrency },
    ),
  };
  const keys = createKeyResolver(db);
  const enrichment = createDefinitionsEnrichmentSource(db);
  const partitions = createEventPartitions(db);
  const writer = createEventWriter({ db, enrichment, partitions });
  const retention = createRetention({
    db,
    partitions,
    clock,
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
    deletions,
    segmentDevices: createSegmentDevices(db),
  };
  const capture = createCaptureHandler(captureDeps);

  const yoga = createGraphQLServer({ config, db, keys, sync, deletions, limits: { ...DEFAULT_GRAPHQL_LIMITS, ...deps.graphqlLimits } });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (isCapturePath(url.pathname)) return capture(req, res, url);
    if (url.pathname === '/graphql') return yoga(req, res);
    if (url.pathname === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (url.pathname === '/sdk/tributary.js') return serveFile(res, path.join(root, 'sdk-web/dist/tributary.js'), 'text/javascript');
    if (deps.demoCaptureKey && (url.pathname === '/demo' || url.pathname.startsWith('/demo/'))) {
      return serveDemo(res, url.pathname, deps.demoCaptureKey);
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"NOT_FOUND","message":"not found"}}');
  }

  return {
    handle,
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
    /** Stops the scheduler and retention, waits for captured events to be committed (the database stays open). */
    async close() {
      await sync.scheduler.stop();
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
