import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { duckdbDestinationFile, readDuckdbEvents } from '../support/model-warehouses.ts';
import type { WarehouseRow } from '../support/exactness-model.ts';

/**
 * Regressions of issue #12 ("every destination converges to exactly the events captured while it
 * was active", docs/warehouse-schema.md, "What each destination holds"), each found by the model-based test
 * (sync-model.test.ts) and written out small: through the HTTP API, to a DuckDB destination.
 */

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ env: { TRIBUTARY_CAPTURE_RATE_LIMIT: '100000' } });
});
afterAll(async () => {
  await t.close();
});

const base = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;
const at = (s: number) => base + s * 1000;
const pause = () => new Promise((resolve) => setTimeout(resolve, 3));
let devices = 7_000_000;

interface Sent {
  id: string;
  time: number;
  type: 'navigate' | 'click' | 'custom' | 'identify';
  url?: string;
  title?: string;
}

/** One device and view per test; each event's client id is also its marker in the warehouse. */
function scenario() {
  const device = String(++devices);
  const view = String(++devices);
  let seq = 0;
  return {
    async send(events: Sent[]) {
      const r = await t.post('/capture/v1/batch', {
        device_id: device,
        events: events.map(({ id, url, title, ...e }) => ({
          ...e,
          id,
          seq: ++seq,
          view_id: view,
          session_id: '1',
          ...(url ? { url } : {}),
          ...(title ? { title } : {}),
          ...(e.type === 'click' ? { target: { text: 'Buy', path: [{ tag: 'button' }, { tag: 'body' }] } } : {}),
          properties:
            e.type === 'identify'
              ? { user_id: 'u1', user_properties: { marker: id } }
              : e.type === 'custom'
                ? { event_name: 'x', marker: id }
                : { marker: id },
        })),
      });
      expect(r.status, JSON.stringify(r.body)).toBe(202);
    },
  };
}

async function createDestination(name: string) {
  const { config, file } = duckdbDestinationFile(t.config.destinationFilesDir, name);
  await pause();
  const r = await t.gql(
    `mutation($input: DestinationInput!) { createDestination(input: $input) { ... on DestinationCreated { data { id } } } }`,
    {
      input: { name, pluginId: 'duckdb', config },
    },
  );
  await pause();
  const id = r.body.data.createDestination.data.id as string;
  return {
    file,
    async setEnabled(enabled: boolean) {
      await pause();
      await t.gql(`mutation($id: ID!) { ${enabled ? 'enable' : 'disable'}Destination(id: $id) { __typename } }`, { id });
      await pause();
    },
    /** Syncs now; returns the rows the run sent. */
    async sync(): Promise<number> {
      await t.gql(`mutation($id: ID!) { syncDestinationNow(id: $id) { __typename } }`, { id });
      await t.app.sync.scheduler.runDue();
      const runs = await t.gql(`query($id: ID!) { destination(id: $id) { runs(first: 1) { nodes { status rows error } } } }`, { id });
      const [run] = runs.body.data.destination.runs.nodes;
      expect(run).toMatchObject({ status: 'succeeded' });
      return run.rows as number;
    },
    async rows() {
      const rows = await readDuckdbEvents(file);
      const live = rows.filter((r) => r.eventType !== null);
      return {
        /** marker → event_ids of its live rows */
        live: groupIds(live),
        tombstones: rows
          .filter((r) => r.eventType === null)
          .map((r) => r.eventId)
          .sort(),
        all: rows,
      };
    },
  };
}

function groupIds(rows: WarehouseRow[]): Record<string, string[]> {
  const byMarker: Record<string, string[]> = {};
  for (const row of rows) (byMarker[row.marker ?? '?'] ??= []).push(row.eventId);
  return byMarker;
}

const only = (byMarker: Record<string, string[]>) => Object.fromEntries(Object.entries(byMarker).map(([m, ids]) => [m, ids.length]));

describe('a destination holds exactly the events captured while it was active', () => {
  it('re-emits rows once, whatever the disabled gaps: a late navigate in a gap, then a second late event, leaves each event live once', async () => {
    const s = scenario();
    const d = await createDestination('gap-twice');
    await s.send([
      { id: 'e1', time: at(10), type: 'navigate', url: 'https://shop.example/a' },
      { id: 'e2', time: at(20), type: 'click' },
      { id: 'e3', time: at(30), type: 'click' },
      { id: 'e4', time: at(40), type: 'click' },
      { id: 'e5', time: at(50), type: 'click' },
    ]);
    await d.sync();
    const first = await d.rows();
    await d.setEnabled(false);
    await s.send([{ id: 'L', time: at(25), type: 'navigate', url: 'https://shop.example/late' }]);
    await d.setEnabled(true);
    await d.sync();
    const second = await d.rows();
    // L was captured while disabled: it is not there; e3–e5 moved to its page, so they are re-emitted
    expect(only(second.live)).toEqual({ e1: 1, e2: 1, e3: 1, e4: 1, e5: 1 });
    expect(second.tombstones).toEqual([...first.live.e3!, ...first.live.e4!, ...first.live.e5!].sort());
    for (const m of ['e3', 'e4', 'e5']) expect(second.live[m]).not.toEqual(first.live[m]);

    await s.send([{ id: 'x', time: at(15), type: 'click' }]);
    await d.sync();
    const third = await d.rows();
    expect(only(third.live)).toEqual({ e1: 1, e2: 1, e3: 1, e4: 1, e5: 1, x: 1 });
    expect(third.tombstones).toEqual(second.tombstones);
  });

  it('never sends an event captured before the destination existed, even when a late navigate re-emits it', async () => {
    const s = scenario();
    await s.send([
      { id: 'p1', time: at(10), type: 'navigate', url: 'https://shop.example/a' },
      { id: 'p2', time: at(20), type: 'click' },
    ]);
    const d = await createDestination('before-activation');
    await s.send([{ id: 'L', time: at(15), type: 'navigate', url: 'https://shop.example/b' }]);
    await d.sync();
    const rows = await d.rows();
    expect(only(rows.live)).toEqual({ L: 1 });
    expect(rows.tombstones).toEqual([]);
  });

  it('never sends an event captured while disabled, even when a late navigate re-emits it', async () => {
    const s = scenario();
    const d = await createDestination('disabled-gap');
    await s.send([{ id: 'n1', time: at(10), type: 'navigate', url: 'https://shop.example/a' }]);
    await d.sync();
    await d.setEnabled(false);
    await s.send([{ id: 'gap', time: at(20), type: 'click' }]);
    await d.setEnabled(true);
    await s.send([{ id: 'L', time: at(15), type: 'navigate', url: 'https://shop.example/b' }]);
    await d.sync();
    const rows = await d.rows();
    expect(only(rows.live)).toEqual({ n1: 1, L: 1 });
    expect(rows.tombstones).toEqual([]);
  });

  it('sends what was captured before a disable and not yet synced, after the destination is enabled again', async () => {
    const s = scenario();
    const d = await createDestination('unsynced-before-disable');
    await s.send([{ id: 'n1', time: at(10), type: 'navigate', url: 'https://shop.example/a' }]);
    await d.setEnabled(false);
    await d.setEnabled(true);
    await d.sync();
    expect(only((await d.rows()).live)).toEqual({ n1: 1 });
  });

  it('writes one row for an identify timed before synced events, and rewrites none of them', async () => {
    const s = scenario();
    const d = await createDestination('late-identify');
    await s.send([
      { id: 'n1', time: at(10), type: 'navigate', url: 'https://shop.example/a' },
      { id: 'c2', time: at(20), type: 'click' },
      { id: 'c3', time: at(30), type: 'custom' },
    ]);
    await d.sync();
    const before = await d.rows();
    await s.send([{ id: 'i', time: at(15), type: 'identify' }]);
    expect(await d.sync()).toBe(1);
    const after = await d.rows();
    expect(after.live).toEqual({ ...before.live, i: after.live.i });
    expect(after.tombstones).toEqual([]);
  });

  it('writes one row for a late click before a thousand events, and one for a late navigate that changes no page', async () => {
    const s = scenario();
    const d = await createDestination('late-click');
    const clicks = Array.from({ length: 1000 }, (_, i): Sent => ({ id: `c${i}`, time: at(20 + i), type: 'click' }));
    await s.send([{ id: 'n', time: at(10), type: 'navigate', url: 'https://shop.example/a', title: 'A' }]);
    for (let i = 0; i < clicks.length; i += 500) await s.send(clicks.slice(i, i + 500));
    expect(await d.sync()).toBe(1001);
    const before = await d.rows();

    await s.send([{ id: 'late-click', time: at(15), type: 'click' }]);
    expect(await d.sync()).toBe(1);
    // the same page again (same URL and title): no later row changes
    await s.send([{ id: 'same-page', time: at(500.5), type: 'navigate', url: 'https://shop.example/a', title: 'A' }]);
    expect(await d.sync()).toBe(1);
    const after = await d.rows();
    expect(after.tombstones).toEqual([]);
    expect(after.live).toEqual({ ...before.live, 'late-click': after.live['late-click'], 'same-page': after.live['same-page'] });
  });
});
