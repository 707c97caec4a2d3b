import { z } from 'zod';
import { DESTINATION_API_VERSION, defineDestination, secret, sqlIdentifier, target } from '@tributary/destination-sdk';
import type { AuthClient } from 'google-auth-library';
import { SERVICE_ACCOUNT_EMAIL, parseExternalAccountConfig, parseServiceAccountKey } from './credentials.ts';

export { classifyBigqueryError } from './errors.ts';
export { createAuthClient, serviceAccountAuthClient, HOST_CREDENTIALS_ENV } from './auth.ts';
export * as bigquerySql from './sql.ts';

/** How the destination signs in to Google Cloud. */
export const SIGN_IN_METHODS = ['serviceAccountKey', 'applicationDefault', 'workloadIdentityFederation'] as const;

const bigqueryConfig = z
  .object({
    projectId: target(
      z.string().regex(/^(?:[a-z][a-z0-9.-]*[a-z0-9]:)?[a-z][a-z0-9-]{4,61}[a-z0-9]$/, 'a Google Cloud project id such as my-project-123'),
    ).describe('Google Cloud project that holds the dataset and runs the jobs'),
    datasetId: sqlIdentifier.describe('Dataset holding the Tributary tables; created if missing'),
    location: z.string().min(2).default('US').describe('Location of the dataset and its jobs, e.g. US, EU, europe-west1'),
    authentication: target(z.enum(SIGN_IN_METHODS))
      .default('serviceAccountKey')
      .describe(
        "How to sign in: serviceAccountKey (a key file pasted below), applicationDefault (this server's Application Default Credentials) or workloadIdentityFederation (a credential configuration for a workload identity pool). The last two use the server's own identity and need its operator's consent (TRIBUTARY_BIGQUERY_ALLOW_HOST_CREDENTIALS=true)",
      ),
    serviceAccountKey: secret(
      z.string().superRefine((value, ctx) => {
        const parsed = parseServiceAccountKey(value);
        if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: `the service account key ${parsed}` });
      }),
    )
      .optional()
      .describe(
        'Service account key file (JSON), for authentication serviceAccountKey. The account needs BigQuery Data Editor on the dataset (or the project, to create it) and BigQuery Job User on the project',
      ),
    workloadIdentityConfig: target(
      z.string().superRefine((value, ctx) => {
        const parsed = parseExternalAccountConfig(value);
        if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: `the workload identity configuration ${parsed}` });
      }),
    )
      .optional()
      .describe(
        'Credential configuration file (JSON, "type": "external_account", from gcloud iam workload-identity-pools create-cred-config), for authentication workloadIdentityFederation',
      ),
    impersonateServiceAccount: target(
      z.string().regex(SERVICE_ACCOUNT_EMAIL, 'a service account email such as loader@my-project.iam.gserviceaccount.com'),
    )
      .optional()
      .describe(
        'Service account to act as (with applicationDefault or workloadIdentityFederation): the signed-in identity needs Service Account Token Creator on it, and it needs the BigQuery roles',
      ),
    apiEndpoint: target(z.url({ protocol: /^https?$/ }), { kind: 'url', override: true })
      .optional()
      .describe('Override of the BigQuery API address, for an emulator or a test fake (e.g. http://127.0.0.1:9050)'),
    stsEndpoint: target(z.url({ protocol: /^https?$/ }), { kind: 'url', override: true })
      .optional()
      .describe("Override of Google's token exchange endpoint (https://sts.googleapis.com/v1/token), for a test fake"),
    iamCredentialsEndpoint: target(z.url({ protocol: /^https?$/ }), { kind: 'url', override: true })
      .optional()
      .describe('Override of the IAM Credentials API root (https://iamcredentials.googleapis.com), for a test fake'),
    requestTimeoutMs: z
      .number()
      .int()
      .min(1_000)
      .max(600_000)
      .default(60_000)
      .describe('Timeout of one API request (one upload chunk included) in milliseconds; a running job is polled, not waited on'),
  })
  .superRefine((config, ctx) => {
    const missing = (path: string, why: string) => ctx.addIssue({ code: 'custom', path: [path], message: why });
    if (config.authentication === 'serviceAccountKey' && !config.serviceAccountKey) {
      missing('serviceAccountKey', 'is required with authentication serviceAccountKey');
    }
    if (config.authentication === 'workloadIdentityFederation' && !config.workloadIdentityConfig) {
      missing('workloadIdentityConfig', 'is required with authentication workloadIdentityFederation');
    }
    if (config.impersonateServiceAccount && config.authentication === 'serviceAccountKey') {
      missing(
        'impersonateServiceAccount',
        "applies to applicationDefault and workloadIdentityFederation; with a key, grant the key's own account the BigQuery roles",
      );
    }
    const federated =
      config.authentication === 'workloadIdentityFederation' && config.workloadIdentityConfig
        ? parseExternalAccountConfig(config.workloadIdentityConfig)
        : undefined;
    if (config.impersonateServiceAccount && typeof federated === 'object' && federated.impersonatedServiceAccount) {
      missing(
        'impersonateServiceAccount',
        'the workload identity configuration already impersonates a service account (service_account_impersonation_url)',
      );
    }
  });

/** The parsed configuration of the BigQuery destination. */
export type BigqueryDestinationConfig = z.output<typeof bigqueryConfig>;

/** Options of {@link createBigqueryDestination}, for hosts and tests, not for end users. */
export interface BigqueryPluginOptions {
  /**
   * An auth client to use instead of the one the config's sign-in builds (tests pass an
   * `OAuth2Client` with a static token).
   */
  authClient?: AuthClient;
  /**
   * Whether sign-ins with this server's own identity (applicationDefault,
   * workloadIdentityFederation) are allowed. Default: the environment variable
   * `TRIBUTARY_BIGQUERY_ALLOW_HOST_CREDENTIALS=true`, read at each connection.
   */
  allowHostCredentials?: boolean;
  /** First interval between two polls of a running job; doubles up to 2 s. Default 200 ms. */
  pollIntervalMs?: number;
  /** Bytes per upload chunk (a multiple of 256 KiB). Default 8 MiB. */
  uploadChunkBytes?: number;
}

/**
 * Builds the BigQuery destination. The default export is `createBigqueryDestination()`.
 */
export function createBigqueryDestination(options: BigqueryPluginOptions = {}) {
  return defineDestination({
    id: 'bigquery',
    displayName: 'Google BigQuery',
    version: '1.1.0',
    apiVersion: DESTINATION_API_VERSION,
    capabilities: { deleteDevices: true },
    description:
      'Loads events into a BigQuery dataset with load jobs fed by resumable uploads (never streaming inserts) and merges them into a day-partitioned events table, reading only the partitions of the window.',
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
