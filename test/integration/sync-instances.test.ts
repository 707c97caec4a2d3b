import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres } from '../../server/db/client.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { requirement, testPostgresUrl } from '../support/requirements.ts';

const url = testPostgresUrl();
const hasPostgres = requirement('A real Postgres (DATABASE_URL)', Boolean(url), 'two server instances need a shared database server');

describe.runIf(hasPostgres)('two server instances on one Postgres', () => {
  let a: TestApp;
  let b: TestApp;
  let dir: string;
  beforeAll(async () => {
    // one folder of destination files for both: either instance may run any destination
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-instances-'));
    a = await startTestApp({ env: { TRIBUTARY_DESTINATION_FILES_DIR: dir } });
    b = await startTestApp({ db: await openPostgres(a.databaseUrl!, { max: 5 }), env: { TRIBUTARY_DESTINATION_FILES_DIR: dir } });
  });
  afterAll(async () => {
    await b?.close();
    await b?.db.close();
    await a?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs each due sync exactly once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await a.gql(
        `mutation($input: DestinationInput!) { createDestination(input: $input) { ... on DestinationCreated { data { id } } } }`,
        { input: { name: `d${i}`, pluginId: 'duckdb', config: { path: `d${i}.duckdb` }, intervalMinutes: 1 } },
      );
      ids.push(r.body.data.createDestination.data.id);
    }
    const rounds = 5;
    for (let round = 0; round < rounds; round++) {
      await a.post('/capture/v1/batch', {
        device_id: '555',
        events: [{ id: `r${round}`, time: Date.now(), type: 'custom', properties: { event_name: 'tick' } }],
      });
      await a.db.rows(sql`update destinations set next_run_time = now() where org_id = ${a.org.orgId}`);
      // both instances tick at the same moment, several times
      await Promise.all([
        a.app.sync.scheduler.runDue(),
        b.app.sync.scheduler.runDue(),
        a.app.sync.scheduler.runDue(),
        b.app.sync.scheduler.runDue(),
      ]);
    }
    const runs = await a.db.rows<{
      destination_id: string;
      status: string;
      runner: string;
      started_time: string;
      finished_time: string;
    }>(sql`
      select destination_id::text, status, runner, started_time::text, finished_time::text from sync_runs where org_id = ${a.org.orgId} order by started_time`);
    expect(runs).toHaveLength(ids.length * rounds);
    expect(runs.every((r) => r.status === 'succeeded')).toBe(true);
    const owners = [a.app.sync.scheduler.owner, b.app.sync.scheduler.owner];
    expect(runs.every((r) => owners.includes(r.runner))).toBe(true);
    for (const id of ids) {
      const mine = runs.filter((r) => r.destination_id === id);
      expect(mine).toHaveLength(rounds);
      // never two runs of one destination at once
      for (let i = 1; i < mine.length; i++) expect(mine[i]!.started_time >= mine[i - 1]!.finished_time).toBe(true);
    }
  });
});
