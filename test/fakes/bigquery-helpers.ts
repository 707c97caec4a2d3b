/**
 * Helpers shared by the BigQuery tests (fake and emulator) and the benchmark: test credentials
 * and readers that go through the real SDK.
 */
import { generateKeyPairSync } from 'node:crypto';
import { BigQuery } from '@google-cloud/bigquery';
import { OAuth2Client } from 'google-auth-library';
import type { AuthClient } from 'google-auth-library';
import { storedDefinitionRowFromMicros, storedEventRowFromMicros } from '@tributary/destination-sdk/testing';
import type { StoredDefinitionRow } from '@tributary/destination-sdk/testing';
import type { DefinitionTable, StoredEventRow } from '@tributary/destination-sdk';

// Nothing in a test may look for Application Default Credentials on the metadata server.
process.env.METADATA_SERVER_DETECTION = 'none';

/** A throw-away service account key (a real RSA key, so the JWT path is exercised end to end). */
export interface TestServiceAccount {
  email: string;
  /** The key file text, as a user pastes it into the config. */
  keyJson: string;
  /** The public key the fake checks self-signed JWTs with. */
  publicKeyPem: string;
}

export function testServiceAccount(email = 'tributary-test@test-proj.iam.gserviceaccount.com'): TestServiceAccount {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyJson = JSON.stringify({
    type: 'service_account',
    project_id: 'test-proj',
    private_key_id: 'test-key-1',
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    client_email: email,
    client_id: '1',
    token_uri: 'https://oauth2.googleapis.com/token',
  });
  return { email, keyJson, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

/** An `OAuth2Client` that always sends `Bearer <token>` and never refreshes. */
export function staticTokenClient(token = 'fake'): OAuth2Client {
  const client = new OAuth2Client();
  client.setCredentials({ access_token: token, expiry_date: Date.now() + 365 * 24 * 3600 * 1000 });
  return client;
}

/** What the readers need to reach a dataset. */
export interface ReaderTarget {
  /** Omitted for the real BigQuery. */
  apiEndpoint?: string;
  projectId: string;
  datasetId: string;
  /** Defaults to the static-token client the fake and the emulator accept. */
  authClient?: AuthClient;
  location?: string;
}

function client(target: ReaderTarget): BigQuery {
  return new BigQuery({
    projectId: target.projectId,
    apiEndpoint: target.apiEndpoint,
    authClient: target.authClient ?? staticTokenClient(),
    autoRetry: false,
  });
}

async function select(target: ReaderTarget, sql: string): Promise<Record<string, unknown>[]> {
  const [rows] = await client(target).query({ query: sql, location: target.location ?? 'US' });
  return rows as Record<string, unknown>[];
}

const path = (target: ReaderTarget, table: string) => `\`${target.projectId}.${target.datasetId}.${table}\``;
const micros = (column: string) => `CAST(UNIX_MICROS(${column}) AS STRING) AS ${column}`;

/** All rows of `events`, read through the SDK (jobs.query + getQueryResults paging). */
export async function readEvents(target: ReaderTarget): Promise<StoredEventRow[]> {
  const rows = await select(
    target,
    `SELECT event_id, ${micros('event_time')}, ${micros('processed_time')}, ${micros('updated_time')},
      CAST(device_id AS STRING) AS device_id, CAST(session_id AS STRING) AS session_id,
      CAST(view_id AS STRING) AS view_id, event_type, event_properties, source_type, source_properties
    FROM ${path(target, 'events')}`,
  );
  return rows.map(storedEventRowFromMicros);
}

/** Number of rows in a table. */
export async function countRows(target: ReaderTarget, table: string): Promise<number> {
  const [row] = await select(target, `SELECT COUNT(*) AS n FROM ${path(target, table)}`);
  return Number(row?.n);
}

/** All rows of one lookup table. */
export async function readDefinitions(target: ReaderTarget, table: DefinitionTable): Promise<StoredDefinitionRow[]> {
  const rows = await select(
    target,
    `SELECT id, name, description, state, version, rule, ${micros('created_time')}, created_by,
      ${micros('modified_time')}, modified_by, ${micros('updated_time')} FROM ${path(target, table)}`,
  );
  return rows.map(storedDefinitionRowFromMicros);
}

/** Rows streamed with `tabledata.insertAll`, as a plugin using streaming inserts would. */
export async function streamRows(target: ReaderTarget, table: string, rows: Record<string, unknown>[]): Promise<void> {
  await client(target).dataset(target.datasetId).table(table).insert(rows);
}

/** Deletes a dataset and its tables (clean-up after tests against a real project). */
export async function dropDataset(target: ReaderTarget): Promise<void> {
  await client(target).dataset(target.datasetId).delete({ force: true });
}
