/**
 * The contract kit against a real BigQuery project, only when credentials are given (never in CI
 * here: no machine of this project reaches Google Cloud). Each test creates a dataset
 * tributary_test_<run>_<n>; the suite deletes them afterwards.
 *
 *   TRIBUTARY_BIGQUERY_PROJECT=my-project [TRIBUTARY_BIGQUERY_LOCATION=EU] and one sign-in:
 *     TRIBUTARY_BIGQUERY_KEY_FILE=key.json                      a service account key
 *     TRIBUTARY_BIGQUERY_AUTH=applicationDefault                 this machine's ADC (gcloud auth application-default login, or a Google Cloud runtime)
 *     TRIBUTARY_BIGQUERY_WIF_CONFIG_FILE=cred-config.json        a workload identity federation credential configuration
 *   optionally, with ADC or workload identity: TRIBUTARY_BIGQUERY_IMPERSONATE=loader@my-project.iam.gserviceaccount.com
 *
 * What only a real project settles is listed in docs/warehouses-bigquery.md.
 */
import { existsSync, readFileSync } from 'node:fs';
import { runDestinationContract } from '@tributary/destination-sdk/testing';
import { createAuthClient, createBigqueryDestination } from '../../plugins/bigquery/index.ts';
import type { BigqueryDestinationConfig } from '../../plugins/bigquery/index.ts';
import { countRows, dropDataset, readDefinitions, readEvents } from '../fakes/bigquery-helpers.ts';

const env = process.env;
const project = env.TRIBUTARY_BIGQUERY_PROJECT;
const read = (file: string | undefined) => (file && existsSync(file) ? readFileSync(file, 'utf8') : undefined);
const keyJson = read(env.TRIBUTARY_BIGQUERY_KEY_FILE);
const wifConfig = read(env.TRIBUTARY_BIGQUERY_WIF_CONFIG_FILE);
const signIn = keyJson
  ? { authentication: 'serviceAccountKey' as const, serviceAccountKey: keyJson }
  : wifConfig
    ? { authentication: 'workloadIdentityFederation' as const, workloadIdentityConfig: wifConfig }
    : env.TRIBUTARY_BIGQUERY_AUTH === 'applicationDefault'
      ? { authentication: 'applicationDefault' as const }
      : undefined;
const impersonate = env.TRIBUTARY_BIGQUERY_IMPERSONATE ? { impersonateServiceAccount: env.TRIBUTARY_BIGQUERY_IMPERSONATE } : {};

// The person running this consents to their own machine's identity being used.
const destination = createBigqueryDestination({ allowHostCredentials: true });
const run = `${Date.now().toString(36)}${process.pid.toString(36)}`;
let datasets = 0;

async function target(config: BigqueryDestinationConfig) {
  return {
    projectId: config.projectId,
    datasetId: config.datasetId,
    location: config.location,
    authClient: await createAuthClient(config, { allowHostCredentials: true }),
  };
}

runDestinationContract({
  name: `bigquery destination (real BigQuery, ${signIn?.authentication ?? 'no credentials'})`,
  definition: destination,
  skip:
    project && signIn
      ? false
      : 'set TRIBUTARY_BIGQUERY_PROJECT and a sign-in (TRIBUTARY_BIGQUERY_KEY_FILE, TRIBUTARY_BIGQUERY_AUTH=applicationDefault or TRIBUTARY_BIGQUERY_WIF_CONFIG_FILE) to run against a real project',
  config: async () => ({
    projectId: project!,
    datasetId: `tributary_test_${run}_${(datasets += 1)}`,
    location: env.TRIBUTARY_BIGQUERY_LOCATION ?? 'US',
    ...signIn,
    ...impersonate,
  }),
  cleanup: async (config) => dropDataset(await target(config)).catch(() => {}),
  readEvents: async (config) => readEvents(await target(config)),
  readStagingCount: async (config) => countRows(await target(config), 'raw_events'),
  readDefinitions: async (config, table) => readDefinitions(await target(config), table),
  largeLoad: { rows: 20_000, batchSize: 5_000 },
});
