/** What the Redshift plugin's test files share: a config on the fake and moto, connections, reads. */
import type { z } from 'zod';
import { parseDestinationConfig, silentLogger } from '@tributary/destination-sdk';
import type { DestinationConnection, DestinationLogger } from '@tributary/destination-sdk';
import redshiftDestination from '../../plugins/redshift/index.ts';
import { FAKE_COPY_ROLE } from '../fakes/redshift-data-fake.ts';
import type { RedshiftDataFake } from '../fakes/redshift-data-fake.ts';
import { motoEndpoint } from './moto.ts';

/** The Redshift config as a user writes it. */
export type RedshiftInput = z.input<(typeof redshiftDestination)['config']>;

let schemas = 0;

/** A config for a fresh schema on `fake`, staging in `bucket` on moto, signed with a static key. */
export function redshiftTestConfig(
  fake: RedshiftDataFake,
  bucket: string,
  overrides: Partial<RedshiftInput> = {},
): RedshiftInput & { schema: string } {
  return {
    region: 'us-east-1',
    clusterIdentifier: 'tributary-cluster',
    dbUser: 'tributary',
    database: 'dev',
    accessKeyId: 'AKIAFAKEFAKEFAKE0001',
    secretAccessKey: 'fake-secret',
    s3Bucket: bucket,
    iamRoleArn: FAKE_COPY_ROLE,
    schema: `tw_${process.pid}_${(schemas += 1)}`,
    endpoint: fake.endpoint,
    s3Endpoint: motoEndpoint,
    stsEndpoint: motoEndpoint,
    pollInitialMs: 2,
    pollMaxMs: 20,
    ...overrides,
  } as RedshiftInput & { schema: string };
}

/** Opens a connection with `raw`, runs `work`, closes it. */
export async function withRedshift<T>(
  raw: Record<string, unknown>,
  work: (c: DestinationConnection) => Promise<T>,
  onStatement?: (s: string) => void,
  logger: DestinationLogger = silentLogger,
): Promise<T> {
  const config = parseDestinationConfig(redshiftDestination, raw);
  const connection = await redshiftDestination.connect(config, { logger, onStatement });
  try {
    return await work(connection);
  } finally {
    await connection.close();
  }
}

/** The rejection of `promise`, which must fail. */
export async function failure(promise: Promise<unknown>): Promise<Error & { kind?: string; retryAfterMs?: number }> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (err: unknown) => err as Error & { kind?: string; retryAfterMs?: number },
  );
}

/** One batch of rows. */
export async function* once<T>(rows: T[]) {
  yield rows;
}

/** Rows of a table on the fake. */
export async function countRows(fake: RedshiftDataFake, schema: string, table: string): Promise<number> {
  const [row] = await fake.query(`SELECT count(*)::int AS n FROM ${schema}.${table}`);
  return Number(row?.n);
}
