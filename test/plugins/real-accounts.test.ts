import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import redshiftDestination from '../../plugins/redshift/index.ts';
import { contractEvent, generatedBatches } from '@tributary/destination-sdk/testing';
import { parseDestinationConfig, silentLogger, type DestinationDefinition, type EventRow } from '@tributary/destination-sdk';
import snowflakeDestination from '../../plugins/snowflake/index.ts';

/**
 * Smoke tests against real Snowflake and Redshift accounts, run only when credentials are given
 * (never in CI: nothing here reaches a warehouse). Each uses a schema of its own and runs the
 * plugin's step-by-step check, two loads of the same rows and a lookup-table rewrite.
 *
 *   TRIBUTARY_SNOWFLAKE_ACCOUNT, _USER, _WAREHOUSE, _DATABASE [, _ROLE], and one sign-in:
 *     _PRIVATE_KEY_FILE [with _PRIVATE_KEY_PASSPHRASE], _PAT (programmatic access token),
 *     _OAUTH_TOKEN or _PASSWORD; _ACCESS_URL for a private-link URL, or to try this test on the
 *     fake (test/fakes/snowflake-fake-server.ts prints its URL; user tributary, password secret)
 *   TRIBUTARY_REDSHIFT_REGION, _DATABASE, _S3_BUCKET, _IAM_ROLE_ARN (the COPY role), and
 *     _CLUSTER (with _DB_USER or _SECRET_ARN, or neither for IAM sign-in) or _WORKGROUP (with
 *     _SECRET_ARN or not); optional _S3_PREFIX, _S3_REGION, _ROLE_ARN with _EXTERNAL_ID, and
 *     _ACCESS_KEY_ID with _SECRET_ACCESS_KEY (without them: the AWS default credential chain)
 */
const env = process.env;
const schema = `tributary_smoke_${Date.now().toString(36)}`;

const snowflake = env.TRIBUTARY_SNOWFLAKE_ACCOUNT
  ? {
      account: env.TRIBUTARY_SNOWFLAKE_ACCOUNT,
      username: env.TRIBUTARY_SNOWFLAKE_USER,
      ...(env.TRIBUTARY_SNOWFLAKE_PRIVATE_KEY_FILE
        ? {
            privateKey: readFileSync(env.TRIBUTARY_SNOWFLAKE_PRIVATE_KEY_FILE, 'utf8'),
            ...(env.TRIBUTARY_SNOWFLAKE_PRIVATE_KEY_PASSPHRASE
              ? { privateKeyPassphrase: env.TRIBUTARY_SNOWFLAKE_PRIVATE_KEY_PASSPHRASE }
              : {}),
          }
        : env.TRIBUTARY_SNOWFLAKE_PAT
          ? { programmaticAccessToken: env.TRIBUTARY_SNOWFLAKE_PAT }
          : env.TRIBUTARY_SNOWFLAKE_OAUTH_TOKEN
            ? { oauthToken: env.TRIBUTARY_SNOWFLAKE_OAUTH_TOKEN }
            : { password: env.TRIBUTARY_SNOWFLAKE_PASSWORD }),
      warehouse: env.TRIBUTARY_SNOWFLAKE_WAREHOUSE,
      database: env.TRIBUTARY_SNOWFLAKE_DATABASE,
      ...(env.TRIBUTARY_SNOWFLAKE_ROLE ? { role: env.TRIBUTARY_SNOWFLAKE_ROLE } : {}),
      ...(env.TRIBUTARY_SNOWFLAKE_ACCESS_URL ? { accessUrl: env.TRIBUTARY_SNOWFLAKE_ACCESS_URL } : {}),
      schema,
      // 1 MB files: the large load below spans several, through one PUT and one COPY.
      fileSizeMb: 1,
    }
  : undefined;

// Optional settings: present only when their variable is.
const optional = (entries: Record<string, string | undefined>) => Object.fromEntries(Object.entries(entries).filter(([, value]) => value));

const redshift = env.TRIBUTARY_REDSHIFT_REGION
  ? {
      region: env.TRIBUTARY_REDSHIFT_REGION,
      database: env.TRIBUTARY_REDSHIFT_DATABASE,
      s3Bucket: env.TRIBUTARY_REDSHIFT_S3_BUCKET,
      iamRoleArn: env.TRIBUTARY_REDSHIFT_IAM_ROLE_ARN,
      ...(env.TRIBUTARY_REDSHIFT_WORKGROUP
        ? { workgroupName: env.TRIBUTARY_REDSHIFT_WORKGROUP }
        : { clusterIdentifier: env.TRIBUTARY_REDSHIFT_CLUSTER }),
      ...optional({
        dbUser: env.TRIBUTARY_REDSHIFT_DB_USER,
        secretArn: env.TRIBUTARY_REDSHIFT_SECRET_ARN,
        s3Prefix: env.TRIBUTARY_REDSHIFT_S3_PREFIX,
        s3Region: env.TRIBUTARY_REDSHIFT_S3_REGION,
        roleArn: env.TRIBUTARY_REDSHIFT_ROLE_ARN,
        externalId: env.TRIBUTARY_REDSHIFT_EXTERNAL_ID,
        accessKeyId: env.TRIBUTARY_REDSHIFT_ACCESS_KEY_ID,
        secretAccessKey: env.TRIBUTARY_REDSHIFT_SECRET_ACCESS_KEY,
      }),
      schema,
    }
  : undefined;

async function* batches(rows: EventRow[]) {
  yield rows;
}

for (const [name, definition, raw] of [
  ['snowflake', snowflakeDestination, snowflake],
  ['redshift', redshiftDestination, redshift],
] as const) {
  if (!raw) console.warn(`[skip] real ${name} account: set the TRIBUTARY_${name.toUpperCase()}_* variables (see this file) to run`);
  describe.runIf(raw)(`${name} destination against a real account`, () => {
    it('passes its check, loads the same rows twice and rewrites the lookup tables', async () => {
      const def = definition as DestinationDefinition;
      const config = parseDestinationConfig(def, raw);
      const connection = await def.connect(config, { logger: silentLogger });
      try {
        const steps = await connection.check();
        expect(steps.filter((s) => !s.ok && !s.skipped)).toEqual([]);
        await connection.ensureTables();
        const rows = [contractEvent(1), contractEvent(2)];
        const first = await connection.loadEvents(batches(rows));
        expect(first.rowsStaged).toBe(2);
        const again = await connection.loadEvents(batches(rows));
        expect(again.rowsMerged).toBe(0);
        if (name === 'snowflake') {
          expect(first.mergedEventTimeRange).toEqual({ from: rows[0]!.event_time, to: rows[1]!.event_time });
          // A window of several staged files, through one PUT and one COPY.
          const large = await connection.loadEvents(generatedBatches(40_000, 5_000));
          expect(large).toMatchObject({ rowsStaged: 40_000, rowsMerged: 40_000 - rows.length });
        }
        await connection.replaceDefinitions({ event_definitions: [], page_definitions: [], element_definitions: [] });
      } finally {
        await connection.close();
      }
    });
  });
}
