/**
 * How the Snowflake destination classifies what Snowflake and snowflake-sdk answer (Snowflake's
 * documented error codes), and that a long wait the service implies reaches the host as
 * `retryAfterMs`, through the real SDK against the fake.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatedBatches } from '@tributary/destination-sdk/testing';
import { parseDestinationConfig, retryAfterMsOf, silentLogger } from '@tributary/destination-sdk';
import snowflakeDestination from '../../plugins/snowflake/index.ts';
import { classifySnowflakeError } from '../../plugins/snowflake/errors.ts';
import { SnowflakeFake } from '../fakes/snowflake-fake.ts';

/** An error shaped as snowflake-sdk reports a failed statement. */
function sqlError(code: string, sqlState: string, message: string) {
  return Object.assign(new Error(message), { code, sqlState });
}

describe('snowflake error classification', () => {
  it.each([
    [
      '090073',
      '22000',
      "Warehouse 'LOAD_WH' cannot be resumed because resource monitor 'RM' has exceeded its quota.",
      'retryable',
      60 * 60_000,
    ],
    [
      '000608',
      '57P03',
      "Warehouse 'LOAD_WH' is suspended. Use 'alter warehouse LOAD_WH resume;' command if you need to use it again.",
      'retryable',
      15 * 60_000,
    ],
    [
      '000606',
      '57P03',
      "No active warehouse selected in the current session.  Select an active warehouse with the 'use warehouse' command.",
      'config',
      undefined,
    ],
    ['390318', '08001', 'OAuth access token expired. [1234]', 'permanent', undefined],
    ['390303', '08001', 'Invalid OAuth access token. ', 'permanent', undefined],
    ['000630', '57014', 'Statement reached its statement or warehouse timeout of 900 second(s) and was canceled.', 'retryable', undefined],
    ['100080', '22000', 'Number of columns in file (11) does not match that of the corresponding table (10)', 'permanent', undefined],
    ['100035', '22007', "Timestamp '26/11/2026' is not recognized", 'permanent', undefined],
    [
      '003001',
      '42501',
      "SQL access control error:\nInsufficient privileges to operate on table stage 'RAW_EVENTS'",
      'permanent',
      undefined,
    ],
  ])('%s (%s) is %s', (code, sqlState, message, kind, retryAfterMs) => {
    const classified = classifySnowflakeError(sqlError(code, sqlState, message), 'loading events');
    expect(classified.kind).toBe(kind);
    expect(retryAfterMsOf(classified)).toBe(retryAfterMs);
    expect(classified.message).toContain(`${code} (${sqlState})`);
  });

  it('an upload the driver could not finish (no Snowflake code) is retryable', () => {
    const classified = classifySnowflakeError(new Error('Error: socket hang up file=part-00001.csv.gz'), 'loading events');
    expect(classified.kind).toBe('retryable');
  });
});

describe('snowflake errors through the SDK', () => {
  let fake: SnowflakeFake;
  beforeAll(async () => {
    fake = await SnowflakeFake.start();
  });
  afterAll(async () => {
    await fake?.close();
  });

  it('a resource monitor out of quota during the COPY fails the load as retryable no sooner than an hour', async () => {
    const config = parseDestinationConfig(snowflakeDestination, {
      account: 'fake',
      username: 'tributary',
      password: 'secret',
      warehouse: 'LOAD_WH',
      database: 'ANALYTICS',
      schema: 'quota',
      accessUrl: fake.accessUrl,
    });
    const connection = await snowflakeDestination.connect(config, { logger: silentLogger });
    try {
      await connection.ensureTables();
      fake.inject({
        type: 'error',
        match: /^COPY INTO/,
        code: '090073',
        sqlState: '22000',
        message: "Warehouse 'LOAD_WH' cannot be resumed because resource monitor 'RM' has exceeded its quota.",
      });
      const err = await connection.loadEvents(generatedBatches(10, 10)).then(
        () => undefined,
        (e: unknown) => e as Error & { kind: string },
      );
      expect(err?.kind).toBe('retryable');
      expect(retryAfterMsOf(err)).toBe(60 * 60_000);
      expect(err?.message).toContain('resource monitor');
    } finally {
      await connection.close();
    }
  });
});
