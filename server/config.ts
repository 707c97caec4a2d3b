import path from 'node:path';
import { z } from 'zod';
import { invalidConfiguration } from './errors.ts';
import { isHostPattern, parseNetwork } from './sync/targets.ts';

/**
 * Every setting comes from the environment and is checked once at start-up; all invalid
 * settings are reported together in one message. README.md lists them.
 */
const booleanFlag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** A comma-separated list whose every entry passes `valid`; empty entries are ignored. */
const listOf = (valid: (entry: string) => boolean, what: string) =>
  z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .superRefine((entries, ctx) => {
      for (const entry of entries.filter((e) => !valid(e))) ctx.addIssue({ code: 'custom', message: `"${entry}" is not ${what}` });
    });

/** A duration such as `7d`, `36h` or `90m`, in milliseconds. */
const duration = z
  .string()
  .regex(/^\d+(d|h|m)$/, 'must be a whole number of days, hours or minutes, such as 7d, 36h or 90m')
  .transform((v) => Number(v.slice(0, -1)) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[v.at(-1) as 'd' | 'h' | 'm']);

// Without DATABASE_URL the server runs on one machine for one person: its destinations may be on it.
const LOOPBACK_NETWORKS = ['127.0.0.0/8', '::1/128'];

const envSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(4000),
    HOST: z.string().min(1).default('127.0.0.1'),
    DATABASE_URL: z
      .string()
      .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must be a postgres:// or postgresql:// URL')
      .optional(),
    DATA_DIR: z.string().min(1).default('.data'),
    TRIBUTARY_SECRET_KEY: z
      .string()
      .regex(/^[0-9a-f]{64}$/i, 'must be 64 hex characters (32 bytes), e.g. from `openssl rand -hex 32`')
      .optional(),
    TRIBUTARY_PLUGINS: z.string().default(''),
    TRIBUTARY_TRUST_PROXY: booleanFlag.default(false),
    TRIBUTARY_SYNC_ENABLED: booleanFlag.default(true),
    TRIBUTARY_SYNC_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
    TRIBUTARY_CAPTURE_RATE_LIMIT: z.coerce.number().int().min(1).default(1000),
    TRIBUTARY_GRAPHQL_RATE_LIMIT: z.coerce.number().int().min(1).default(100),
    TRIBUTARY_DEMO: booleanFlag.optional(),
    TRIBUTARY_CORS_ORIGINS: z
      .string()
      .default('')
      .transform((v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      )
      .refine((origins) => origins.every(isOrigin), {
        message: 'must be comma-separated origins like https://console.example (scheme, host and port only; no *)',
      }),
    TRIBUTARY_ALLOW_ENDPOINT_OVERRIDES: booleanFlag.default(false),
    TRIBUTARY_DESTINATION_HOSTS: listOf(isHostPattern, 'a host name, *.domain, IP address or CIDR block').optional(),
    TRIBUTARY_DESTINATION_PRIVATE_NETWORKS: listOf((e) => parseNetwork(e) !== undefined, 'an IP address or CIDR block').optional(),
    TRIBUTARY_DESTINATION_FILES_DIR: z.string().min(1).optional(),
    TRIBUTARY_RETENTION: duration.prefault('7d'),
    TRIBUTARY_RETENTION_MAX: duration.prefault('30d'),
    TRIBUTARY_METRICS_KEY: z.string().min(24, 'must be at least 24 characters, e.g. from `openssl rand -hex 24`').optional(),
    TRIBUTARY_METRICS_LISTEN: z
      .string()
      .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'must be host:port, such as 10.0.0.5:9464 or [::1]:9464')
      .optional(),
    TRIBUTARY_SHUTDOWN_SECONDS: z.coerce.number().int().min(1).max(3600).default(25),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  })
  .refine((e) => e.TRIBUTARY_RETENTION_MAX >= e.TRIBUTARY_RETENTION, {
    path: ['TRIBUTARY_RETENTION_MAX'],
    message: 'must be at least TRIBUTARY_RETENTION',
  });

/** An exact origin: what a browser sends in `Origin` (so never `*`, a path or a trailing slash). */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
}

export interface Config {
  port: number;
  host: string;
  /** External Postgres; when absent the server runs on embedded PGlite in `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  /** 32-byte key encrypting destination credentials; the embedded mode generates one. */
  secretKeyHex: string | undefined;
  /** Third-party destination plugins: npm package names, or absolute paths of plugin folders. */
  plugins: string[];
  /** Read client IP and location headers (X-Forwarded-For, CF-IPCountry, …) from a trusted proxy. */
  trustProxy: boolean;
  syncEnabled: boolean;
  syncConcurrency: number;
  /** Events per second and capture key before 429 (token bucket, burst of twice the rate). */
  captureRateLimit: number;
  /** GraphQL requests per second per API key (a bucket holds twice that): 429 RATE_LIMITED past it. */
  graphqlRateLimit: number;
  /** Serve the demo shop at /demo/ (default: in the embedded mode only, i.e. without DATABASE_URL). */
  demo: boolean;
  /** Browser origins allowed to call /graphql from another origin (CORS); empty: no CORS headers. */
  corsOrigins: string[];
  /** Accept endpoint overrides of destinations (Snowflake accessUrl, BigQuery apiEndpoint, Redshift endpoint). */
  allowEndpointOverrides: boolean;
  /** When set, the only hosts destinations may name (host names, `*.domain`, IPs, CIDR blocks); null: any. */
  destinationHosts: string[] | null;
  /** Private, loopback and link-local networks destinations may still reach (default: loopback in the embedded mode). */
  destinationPrivateNetworks: string[];
  /** The folder destination files (DuckDB) live under; their paths are relative to it. */
  destinationFilesDir: string;
  /** Captured events are kept this long, then dropped by day once every enabled destination has them. */
  retentionMs: number;
  /** Kept at most this long, whatever a destination still lacks (what it missed is recorded). */
  retentionMaxMs: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Bearer key of GET /metrics on the main port; without it (and without `metricsListen`) there is no /metrics. */
  metricsKey: string | undefined;
  /** host:port of a listener serving only /metrics, without a key (a private interface). */
  metricsListen: { host: string; port: number } | undefined;
  /** SIGTERM to exit, at most (main.ts); syncs get all of it but the last 5 s, which releases them. */
  shutdownMs: number;
}

function hostPort(value: string): { host: string; port: number } {
  const at = value.lastIndexOf(':');
  return { host: value.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(value.slice(at + 1)) };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw invalidConfiguration(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.DATA_DIR);
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir,
    secretKeyHex: e.TRIBUTARY_SECRET_KEY,
    plugins: e.TRIBUTARY_PLUGINS.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    trustProxy: e.TRIBUTARY_TRUST_PROXY,
    syncEnabled: e.TRIBUTARY_SYNC_ENABLED,
    syncConcurrency: e.TRIBUTARY_SYNC_CONCURRENCY,
    captureRateLimit: e.TRIBUTARY_CAPTURE_RATE_LIMIT,
    graphqlRateLimit: e.TRIBUTARY_GRAPHQL_RATE_LIMIT,
    demo: e.TRIBUTARY_DEMO ?? !e.DATABASE_URL,
    corsOrigins: e.TRIBUTARY_CORS_ORIGINS,
    allowEndpointOverrides: e.TRIBUTARY_ALLOW_ENDPOINT_OVERRIDES,
    destinationHosts: e.TRIBUTARY_DESTINATION_HOSTS?.length ? e.TRIBUTARY_DESTINATION_HOSTS : null,
    destinationPrivateNetworks: e.TRIBUTARY_DESTINATION_PRIVATE_NETWORKS ?? (e.DATABASE_URL ? [] : LOOPBACK_NETWORKS),
    destinationFilesDir: path.resolve(e.TRIBUTARY_DESTINATION_FILES_DIR ?? path.join(dataDir, 'destination-files')),
    retentionMs: e.TRIBUTARY_RETENTION,
    retentionMaxMs: e.TRIBUTARY_RETENTION_MAX,
    logLevel: e.LOG_LEVEL,
    metricsKey: e.TRIBUTARY_METRICS_KEY,
    metricsListen: e.TRIBUTARY_METRICS_LISTEN ? hostPort(e.TRIBUTARY_METRICS_LISTEN) : undefined,
    shutdownMs: e.TRIBUTARY_SHUTDOWN_SECONDS * 1000,
  };
}
