/**
 * How Redshift's failures are classified, each produced by the Data API fake as Redshift reports
 * it, and what the sync host then does with them: a paused cluster, a workload-manager abort or
 * a full disk end the run at once and come back later; nothing is retried in a loop.
 */
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generatedBatches } from '@tributary/destination-sdk/testing';
import { DISK_FULL_RETRY_AFTER_MS, RESUMING_RETRY_AFTER_MS, WLM_ABORT_RETRY_AFTER_MS } from '../../plugins/redshift/errors.ts';
import { RedshiftDataFake } from '../fakes/redshift-data-fake.ts';
import type { RedshiftFault } from '../fakes/redshift-data-fake.ts';
import { startTestApp } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import { createMotoBucket, hasMoto, motoEndpoint } from '../support/moto.ts';
import { failure, redshiftTestConfig, withRedshift } from '../support/redshift.ts';

const runs = hasMoto();
let fake: RedshiftDataFake;
let bucket: string;
beforeAll(async () => {
  if (!runs) return;
  fake = await RedshiftDataFake.start({ awsEndpoint: motoEndpoint });
  bucket = await createMotoBucket();
});
afterAll(async () => {
  await fake?.close();
});

// Redshift's own texts (AWS knowledge center "Why was my query aborted", STL_DISK_FULL_DIAG,
// schema quotas), as a FAILED statement's Error carries them.
const WLM_ABORT = 'ERROR: Query (500029) cancelled by WLM abort action of Query Monitoring Rule "long_loads".';
const DISK_FULL =
  'ERROR: Disk Full Detail: ----------------------------------------------- error: Disk Full code: 1016 context: node: 0 query: 569399 location: fdisk_api.cpp:343 process: query0_49 [pid=1234] -----------------------------------------------';
const QUOTA =
  'ERROR: Transaction 40895 is aborted due to exceeding the disk space quota in schema(s): (Schema: tributary, Quota: 2048, Current Disk Usage: 2798). Free up disk space or request increased quota for the schema(s).';
const USER_CANCEL = "ERROR: Query (1234) cancelled on user's request";

const PAUSED: RedshiftFault = {
  type: 'exception',
  name: 'DatabaseConnectionException',
  message: 'Connection to the database failed: the cluster is paused or resuming',
  status: 500,
  operation: 'BatchExecuteStatement',
  times: Infinity,
};

async function loadFailure(fault: RedshiftFault) {
  const raw = redshiftTestConfig(fake, bucket);
  await withRedshift(raw, (c) => c.ensureTables());
  fake.inject(fault);
  return failure(withRedshift(raw, (c) => c.loadEvents(generatedBatches(5, 5))));
}

describe.runIf(runs)('redshift errors: classification', () => {
  afterEach(() => fake.clearFaults());

  it('a paused or resuming cluster (DatabaseConnectionException) is retryable after a long wait, not a configuration error', async () => {
    const err = await loadFailure(PAUSED);
    expect(err).toMatchObject({ kind: 'retryable', retryAfterMs: RESUMING_RETRY_AFTER_MS });
    expect(err.message).toContain('DatabaseConnectionException: Connection to the database failed');
    expect(RESUMING_RETRY_AFTER_MS).toBeGreaterThanOrEqual(5 * 60_000);
  });

  it('a Data API timeout (QueryTimeoutException) is retryable at once', async () => {
    const err = await loadFailure({
      type: 'exception',
      name: 'QueryTimeoutException',
      message: 'The query timed out.',
      operation: 'BatchExecuteStatement',
      times: Infinity,
    });
    expect(err.kind).toBe('retryable');
    expect(err.retryAfterMs).toBeUndefined();
  });

  it('a workload-manager abort is retryable after a long wait: one attempt per run', async () => {
    const err = await loadFailure({ type: 'fail-statement', match: /^COPY /, error: WLM_ABORT });
    expect(err).toMatchObject({ kind: 'retryable', retryAfterMs: WLM_ABORT_RETRY_AFTER_MS });
    expect(err.message).toContain('cancelled by WLM abort action of Query Monitoring Rule "long_loads"');
  });

  it('a full disk is retryable after an hour; an exceeded schema quota is permanent', async () => {
    expect(await loadFailure({ type: 'fail-statement', match: /^INSERT INTO/, error: DISK_FULL })).toMatchObject({
      kind: 'retryable',
      retryAfterMs: DISK_FULL_RETRY_AFTER_MS,
    });
    const quota = await loadFailure({ type: 'fail-statement', match: /^COPY /, error: QUOTA });
    expect(quota.kind).toBe('permanent');
    expect(quota.message).toContain('disk space quota');
  });

  it('any other cancel is retryable at once', async () => {
    const err = await loadFailure({ type: 'fail-statement', match: /^COPY /, error: USER_CANCEL });
    expect(err.kind).toBe('retryable');
    expect(err.retryAfterMs).toBeUndefined();
  });
});

describe.runIf(runs)('redshift errors: what the sync host does with them', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { TRIBUTARY_ALLOW_ENDPOINT_OVERRIDES: 'true' } });
  });
  afterAll(async () => {
    await t?.close();
  });
  afterEach(() => fake.clearFaults());

  let views = 0;
  async function syncOnce(name: string, fault: RedshiftFault) {
    const { schema: _schema, ...config } = redshiftTestConfig(fake, bucket);
    const created = await t.app.sync.destinations.create(t.org.orgId, 'test', {
      name,
      pluginId: 'redshift',
      config: { ...config, schema: `host_${name}` },
    });
    await t.capture('8080', String((views += 1)), [{ time: Date.now(), type: 'navigate', url: 'https://shop.example/' }]);
    fake.inject({ ...fault, times: Infinity });
    await t.app.sync.scheduler.runDue();
    const [run] = await t.db.rows<{ status: string; attempts: number; error_kind: string; finished: string }>(sql`
      select status, attempts, error_kind, finished_time::text as finished from sync_runs where destination_id = ${created.id}`);
    const [dest] = await t.db.rows<{ wait_ms: number }>(sql`
      select extract(epoch from next_run_time - ${run!.finished}::timestamptz) * 1000 as wait_ms from destinations where id = ${created.id}`);
    return {
      ...run!,
      waitMs: Number(dest!.wait_ms),
      batches: fake.requests.filter((r) => r.operation === 'BatchExecuteStatement' && r.sqls?.some((s) => s.startsWith('COPY'))),
    };
  }

  it('a WLM abort, a full disk or a paused cluster ends the run at its first attempt and waits as asked', async () => {
    for (const [name, fault, wait] of [
      ['wlm', { type: 'fail-statement', match: /^COPY /, error: WLM_ABORT }, WLM_ABORT_RETRY_AFTER_MS],
      ['disk', { type: 'fail-statement', match: /^COPY /, error: DISK_FULL }, DISK_FULL_RETRY_AFTER_MS],
      ['paused', PAUSED, RESUMING_RETRY_AFTER_MS],
    ] as const) {
      fake.clearLog();
      const run = await syncOnce(name, fault);
      expect(run, name).toMatchObject({ status: 'failed', attempts: 1, error_kind: 'retryable' });
      expect(run.waitMs, name).toBeGreaterThanOrEqual(wait);
      fake.clearFaults();
    }
  });

  it('a quick retryable failure is retried within the run a bounded number of times, then waits', async () => {
    fake.clearLog();
    const run = await syncOnce('cancel', { type: 'fail-statement', match: /^COPY /, error: USER_CANCEL });
    expect(run).toMatchObject({ status: 'failed', attempts: 3, error_kind: 'retryable' });
    expect(run.batches).toHaveLength(3);
  });
});
