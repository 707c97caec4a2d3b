import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  defineDestination,
  DESTINATION_API_VERSION,
  RetryableError,
  runCheckSteps,
  type DestinationDefinition,
} from '@tributary/destination-sdk';
import { createPluginRegistry } from '../../server/plugins/registry.ts';
import { startTestApp, type TestApp } from '../support/app.ts';

/** A warehouse over quota: every load asks to be retried in an hour. */
const overQuota: DestinationDefinition = defineDestination({
  id: 'over-quota',
  displayName: 'Over quota (tests)',
  description: 'Refuses every load with a long retry hint',
  version: '1.0.0',
  apiVersion: DESTINATION_API_VERSION,
  config: z.object({}),
  async connect() {
    return {
      check: () => runCheckSteps([]),
      async ensureTables() {},
      async loadEvents() {
        throw new RetryableError('quota exceeded; it refills within the hour', { retryAfterMs: 3_600_000 });
      },
      async replaceDefinitions() {
        throw new RetryableError('quota exceeded; it refills within the hour', { retryAfterMs: 3_600_000 });
      },
      async close() {},
    };
  },
});

let t: TestApp;
beforeAll(async () => {
  const registry = await createPluginRegistry([], { builtIns: [overQuota] });
  t = await startTestApp({ appDeps: { registry } });
});
afterAll(() => t.close());

describe('a retry the warehouse asks to wait for', () => {
  it('ends the run at the first attempt and schedules the next one no sooner than asked', async () => {
    const created = await t.app.sync.destinations.create(t.org.orgId, 'test', { name: 'quota', pluginId: 'over-quota', config: {} });
    await t.capture('8080', '1', [{ time: Date.now(), type: 'navigate', url: 'https://shop.example/' }]);
    await t.app.sync.scheduler.runDue();
    const [run] = await t.db.rows<{ status: string; attempts: number; error_kind: string; finished: string }>(sql`
      select status, attempts, error_kind, finished_time::text as finished from sync_runs where destination_id = ${created.id}`);
    expect(run).toMatchObject({ status: 'failed', attempts: 1, error_kind: 'retryable' });
    const [dest] = await t.db.rows<{ wait_ms: number }>(sql`
      select extract(epoch from next_run_time - ${run!.finished}::timestamptz) * 1000 as wait_ms from destinations where id = ${created.id}`);
    expect(Number(dest!.wait_ms)).toBeGreaterThanOrEqual(3_600_000);
  });
});
