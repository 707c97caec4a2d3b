import { createPrivateKey } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as GoogleAuth from 'google-auth-library';
import type { AuthClient, JWT } from 'google-auth-library';
import { z } from 'zod';
import { ConfigError, DESTINATION_API_VERSION, defineDestination, secret, sqlIdentifier, target } from '../sdk/index.ts';

export { classifyBigqueryError } from './errors.ts';
export * as bigquerySql from './sql.ts';

const BIGQUERY_SCOPE = 'https://www.googleapis.com/auth/bigquery';

interface ServiceAccountKey {
  type: string;
  client_email: string;
  private_key: string;
  private_key_id?: string;
  universe_domain?: string;
}

function parseServiceAccountKey(text: string): ServiceAccountKey | string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return 'is not JSON (paste the whole service account key file)';
  }
  const key = json as Partial<ServiceAccountKey> | null;
  if (typeof key !== 'object' || key === null) return 'is not a JSON object';
  if (key.type !== 'service_account') return 'is not a service account key ("type" must be "service_account")';
  if (typeof key.client_email !== 'string' || key.client_email === '') return 'has no client_email';
  if (typeof key.private_key !== 'string') return 'has no private_key';
  try {
    createPrivateKey(key.private_key);
  } catch {
    return 'has a private_key that is not a valid PEM private key';
  }
  return key as ServiceAccountKey;
}

const bigqueryConfig = z.object({
  projectId: target(
    z.string().regex(/^(?:[a-z][a-z0-9.-]*[a-z0-9]:)?[a-z][a-z0-9-]{4,61}[a-z0-9]$/, 'a Google Cloud project id such as my-project-123'),
  ).describe('Google Cloud project that holds the dataset and runs the jobs'),
  datasetId: sqlIdentifier.describe('Dataset holding the Tributary tables; created if missing'),
  location: z.string().min(2).default('US').describe('Location of the dataset and its jobs, e.g. US, EU, europe-west1'),
  serviceAccountKey: secret(
    z.string().superRefine((value, ctx) => {
      const parsed = parseServiceAccountKey(value);
      if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: `the service account key ${parsed}` });
    }),
  ).describe(
    'Service account key file (JSON). The account needs BigQuery Data Editor on the dataset (or the project, to create it) and BigQuery Job User on the project',
  ),
  apiEndpoint: target(z.url({ protocol: /^https?$/ }), { kind: 'url', override: true })
    .optional()
    .describe('Override of the BigQuery API address, for an emulator or a test fake (e.g. http://127.0.0.1:9050)'),
  requestTimeoutMs: z
    .number()
    .int()
    .min(1_000)
    .max(600_000)
    .default(60_000)
    .describe('Timeout of one API request in milliseconds (uploads get 1 s more per MiB); a running job is polled, not waited on'),
});

/** The parsed configuration of the BigQuery destination. */
export type BigqueryDestinationConfig = z.output<typeof bigqueryConfig>;

/** Options of {@link createBigqueryDestination}, for hosts and tests, not for end users. */
export interface BigqueryPluginOptions {
  /**
   * An auth client to use instead of one built from `serviceAccountKey` (tests pass an
   * `OAuth2Client` with a static token). Never left to Application Default Credentials, which
   * would probe the GCE metadata server.
   */
  authClient?: AuthClient;
  /** First interval between two polls of a running job; doubles up to 2 s. Default 200 ms. */
  pollIntervalMs?: number;
}

/**
 * Builds the BigQuery destination. The default export is `createBigqueryDestination()`.
 */
export function createBigqueryDestination(options: BigqueryPluginOptions = {}) {
  return defineDestination({
    id: 'bigquery',
    displayName: 'Google BigQuery',
    version: '1.0.0',
    apiVersion: DESTINATION_API_VERSION,
    description:
      'Loads events into a BigQuery dataset with load jobs (never streaming inserts) and merges them into a day-partitioned events table.',
    config: bigqueryConfig,
    // @google-cloud/bigquery is loaded on the first connect, not when the plugin is imported.
    connect: async (config, ctx) => {
      const { createBigqueryConnection } = await import('./connection.ts');
      return createBigqueryConnection(config, ctx, options);
    },
  });
}

export const bigqueryDestination = createBigqueryDestination();
export default bigqueryDestination;

// google-auth-library (a CommonJS package) is required when an auth client is first built, not
// when the plugin is imported; it is the same module instance @google-cloud/bigquery uses.
const requireLazily = createRequire(import.meta.url);

/**
 * The auth client built from the service account key: a JWT client that signs its own access
 * JWTs with the key ("self-signed JWT", accepted by Google APIs for service accounts). It needs
 * no token endpoint and never looks for Application Default Credentials, so nothing probes the
 * metadata server.
 */
export function serviceAccountAuthClient(keyText: string): JWT {
  const key = parseServiceAccountKey(keyText);
  if (typeof key === 'string') throw new ConfigError(`the service account key ${key}`);
  const { JWT: JwtClient } = requireLazily('google-auth-library') as typeof GoogleAuth;
  const client = new JwtClient({
    email: key.client_email,
    key: key.private_key,
    keyId: key.private_key_id,
    scopes: [BIGQUERY_SCOPE],
  });
  client.useJWTAccessWithScope = true;
  if (key.universe_domain) client.universeDomain = key.universe_domain;
  return client;
}
