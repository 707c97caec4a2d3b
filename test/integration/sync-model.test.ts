import fs from 'node:fs';
import fc from 'fast-check';
import postgresClient from 'postgres';
import { afterAll, beforeAll, describe, it } from 'vitest';
import duckdb from '../../plugins/duckdb/index.ts';
import postgres from '../../plugins/postgres/index.ts';
import type { DestinationDefinition } from '@tributary/destination-sdk';
import { createPluginRegistry } from '../../server/plugins/registry.ts';
import { createTestOrg, startTestApp, type TestApp, type TestOrg } from '../support/app.ts';
import {
  diffWarehouse,
  EVENT_TYPES,
  ExactnessModel,
  NO_FILTER,
  VersionIds,
  type BackfillProgress,
  type ClientEvent,
  type EventType,
  type EventTypeFilter,
} from '../support/exactness-model.ts';
import {
  duckdbDestinationFile,
  faults,
  readDuckdbEvents,
  readPostgresEvents,
  switchableDuckdb,
  switchablePostgres,
  type FaultMode,
} from '../support/model-warehouses.ts';
import { requirement, testPostgresUrl } from '../support/requirements.ts';

/**
 * Model-based test of "every destination converges to exactly the events captured while it was
 * active" (docs/warehouse-schema.md, "What each destination holds"; issue #12). fast-check generates sequences of operations —
 * captures in and out of order (late navigates, clicks, custom events, identifies, events with
 * their own URL), replays, destinations created (enabled or not, with or without filters, with or
 * without a backfill), enabled, disabled, refiltered, backfilled, their backfills cancelled, made
 * to fail and recover, page definitions created, edited, reprioritised and archived, and syncs
 * (a backfill goes in chunks of BACKFILL_CHUNK_ROWS rows, one per sync) — runs them through the
 * real HTTP API against real
 * DuckDB and Postgres destinations, and after every sync compares each destination that ran,
 * row by row, with the reference model of test/support/exactness-model.ts (written from the
 * rule, not from the code). A failure is shrunk to a minimal list of operations.
 *
 * CI runs SYNC_MODEL_RUNS (60) sequences of up to SYNC_MODEL_COMMANDS (50) operations from a
 * fixed seed, and stops generating and shrinking after SYNC_MODEL_TIME_LIMIT_S (90) seconds. A
 * longer run, from any seed:
 *   SYNC_MODEL_RUNS=500 SYNC_MODEL_SEED=$RANDOM SYNC_MODEL_TIME_LIMIT_S=3600 npx vitest run test/integration/sync-model.test.ts
 * To replay a failure, give the seed, path and replayPath that fast-check printed:
 *   SYNC_MODEL_SEED=<seed> SYNC_MODEL_PATH=<path> SYNC_MODEL_REPLAY=<replayPath> npx vitest run test/integration/sync-model.test.ts
 * SYNC_MODEL_FOCUS=<regex> fails a run only on problems matching it, to shrink towards one kind
 * of failure while another is known (e.g. SYNC_MODEL_FOCUS='live [0-9]+ times').
 */

const RUNS = Number(process.env.SYNC_MODEL_RUNS ?? 60);
const SEED = Number(process.env.SYNC_MODEL_SEED ?? 20261130);
const MAX_COMMANDS = Number(process.env.SYNC_MODEL_COMMANDS ?? 50);
const TIME_LIMIT_MS = Number(process.env.SYNC_MODEL_TIME_LIMIT_S ?? 90) * 1000;
const PATH = process.env.SYNC_MODEL_PATH;
const REPLAY_PATH = process.env.SYNC_MODEL_REPLAY;
const FOCUS = process.env.SYNC_MODEL_FOCUS ? new RegExp(process.env.SYNC_MODEL_FOCUS) : undefined;

const URLS = ['https://shop.example/a', 'https://shop.example/a?v=2', 'https://shop.example/b', 'https://shop.example/c'];
const TITLES = [null, 'Home', 'Shop'];
const PAGE_PATHS = ['/a', '/b', '/c'];
const DEVICES = 2;
const VIEWS_PER_DEVICE = 2;
const MAX_DESTINATIONS = 4;
/** Longer than a millisecond, so no capture shares an instant with a period boundary. */
const BOUNDARY_PAUSE_MS = 3;
/** Small, so a backfill takes several syncs and late events land between its chunks. */
const BACKFILL_CHUNK_ROWS = 12;

const warehouseUrl = process.env.TRIBUTARY_WAREHOUSE_PG_URL ?? testPostgresUrl();
const hasWarehouse = requirement('a Postgres warehouse', warehouseUrl !== undefined, 'set TRIBUTARY_WAREHOUSE_PG_URL or DATABASE_URL');

let t: TestApp;
let warehouse: postgresClient.Sql | undefined;
beforeAll(async () => {
  const registry = await createPluginRegistry([], {
    builtIns: [postgres as DestinationDefinition, duckdb as DestinationDefinition, switchableDuckdb, switchablePostgres],
  });
  t = await startTestApp({
    appDeps: { registry, syncOptions: { retryBaseMs: 10, leaseMs: 5_000, backfillChunkRows: BACKFILL_CHUNK_ROWS } },
  });
  if (hasWarehouse) warehouse = postgresClient(warehouseUrl!, { max: 1, onnotice: () => {} });
});
afterAll(async () => {
  await t?.close();
  await warehouse?.end();
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- the real system, as one run sees it ----------------------------------------------------

interface EventSpec {
  type: EventType;
  /** Index into URLS: a navigate's URL, or the own URL of another event when `ownUrl`. */
  url: number;
  ownUrl: boolean;
  /** Index into TITLES. */
  title: number;
}

interface RealDestination {
  id: string;
  kind: 'duckdb' | 'postgres';
  faultTag: string;
  file?: string;
  schema?: string;
  /** Run ids already accounted for. */
  runs: Set<string>;
  /** event_ids this destination has held live. */
  received: Set<string>;
}

let runCount = 0;

/** A backfill as the API shows it. */
interface ApiBackfill {
  id: string;
  status: string;
  from: string;
  to: string;
  sentUntil: string;
  cancelRequested: boolean;
}

const BACKFILL_FIELDS = 'id status from to sentUntil cancelRequested';

class World {
  step = 0;
  readonly log: string[] = [];
  /** Date.now() when each step began (index: step). */
  readonly stepStarts: number[] = [];
  /** Each capture step with the instants before its request and after its answer: its capture time lies between. */
  readonly captureSteps: { step: number; before: number; after: number }[] = [];
  readonly destinations = new Map<string, RealDestination>();
  readonly ids = new VersionIds();
  /** View ids per device, in creation order. */
  readonly views: string[][] = Array.from({ length: DEVICES }, () => []);
  readonly payloads = new Map<string, Record<string, unknown>>();
  private seq = 0;
  private viewCount = 0;
  private readonly base = Math.floor(Date.now() / 1000) * 1000 - 6 * 3_600_000;

  readonly org: TestOrg;
  readonly run: number;
  constructor(org: TestOrg, run: number) {
    this.org = org;
    this.run = run;
  }

  static async create(): Promise<World> {
    const run = ++runCount;
    return new World(await createTestOrg(t.db, `model run ${run}`), run);
  }

  begin(text: string): number {
    this.step++;
    this.stepStarts[this.step] = Date.now();
    this.log.push(`${this.step}. ${text}`);
    return this.step;
  }

  /**
   * A backfill's position (an API instant) as a step boundary: its start, its end (the step it was
   * requested at), or just after the capture step whose instant is the position's last
   * millisecond (a chunk ends just after the millisecond of its last capture).
   */
  boundaryOf(m: ExactnessModel, name: string, backfill: ApiBackfill, at: string): number {
    const known = m.lastBackfill(name);
    if (!known || known.id !== backfill.id) throw new Error(`${name}: the API's newest backfill ${backfill.id} is not the model's`);
    const time = Date.parse(at);
    if (time === Date.parse(backfill.from)) return known.period.from;
    if (time === Date.parse(backfill.to)) return known.end;
    const capture = this.captureSteps.find((c) => c.before <= time - 1 && time - 1 <= c.after);
    if (!capture) throw new Error(`${name}: backfill ${backfill.id} stopped at ${at}, which is no capture's instant`);
    return capture.step + 0.5;
  }

  gql<T = any>(query: string, variables?: Record<string, unknown>) {
    return t.gql<T>(query, variables, this.org.keys.admin);
  }

  device(index: number): string {
    return String(this.run * 100 + index + 1);
  }

  /** The view in `slot` of a device, a new one when the slot is past its views. */
  view(device: number, slot: number): string {
    const views = this.views[device]!;
    if (slot < views.length) return views[slot]!;
    const view = String(this.run * 1000 + ++this.viewCount);
    views.push(view);
    return view;
  }

  allViews(): { device: number; view: string }[] {
    return this.views.flatMap((views, device) => views.map((view) => ({ device, view })));
  }

  viewStart(view: string): number {
    return this.base + (Number(view) % 1000) * 600_000;
  }

  clientEvent(device: number, view: string, time: number, spec: EventSpec): ClientEvent {
    const own = hasOwnUrl(spec);
    this.seq++;
    return {
      device: this.device(device),
      session: view,
      view,
      clientId: `c${this.seq}`,
      seq: this.seq,
      time,
      type: spec.type,
      url: own ? URLS[spec.url]! : null,
      title: own ? TITLES[spec.title]! : null,
      marker: `m${this.run}-${this.seq}`,
    };
  }

  /** Sends one batch of a device; checks the answer against the model's count of replays. */
  async capture(device: string, events: ClientEvent[], duplicates: number) {
    const body = events.map((e) => this.payloads.get(e.marker) ?? this.payload(e));
    const before = Date.now();
    const r = await t.post(
      '/capture/v1/batch',
      { sdk: { name: 'tributary-web', version: '0.1.0' }, device_id: device, events: body },
      { key: this.org.keys.capture },
    );
    this.captureSteps.push({ step: this.step, before, after: Date.now() });
    if (r.status !== 202 || r.body.accepted !== events.length || r.body.duplicates !== duplicates) {
      throw new Error(
        `capture answered ${r.status} ${JSON.stringify(r.body)}; expected 202, ${events.length} accepted, ${duplicates} duplicates`,
      );
    }
    // the next step begins in a later millisecond than this capture's: boundaries fall between
    await pause(2);
  }

  private payload(e: ClientEvent): Record<string, unknown> {
    const page = e.url === null ? {} : { url: e.url, ...(e.title === null ? {} : { title: e.title }) };
    const base = { id: e.clientId, seq: e.seq, view_id: e.view, session_id: e.session, time: e.time, type: e.type, ...page };
    const body =
      e.type === 'navigate'
        ? { ...base, properties: { navigate_reason: 'navigate', marker: e.marker } }
        : e.type === 'click'
          ? {
              ...base,
              target: { text: 'Buy', path: [{ tag: 'button', id: 'buy' }, { tag: 'body' }, { tag: 'html' }] },
              properties: { marker: e.marker },
            }
          : e.type === 'custom'
            ? { ...base, properties: { event_name: 'Added to cart', marker: e.marker } }
            : { ...base, properties: { user_id: `u${e.device}`, user_properties: { marker: e.marker } } };
    this.payloads.set(e.marker, body);
    return body;
  }

  /** Runs the due syncs, then compares every destination that finished a run with the model. */
  async runSyncs(m: ExactnessModel, step: number, target?: string) {
    await t.app.sync.scheduler.runDue();
    const r = await this.gql(
      `{ destinations { nodes { id runs(first: 20) { nodes { id status error } } backfills(first: 1) { nodes { ${BACKFILL_FIELDS} } } } } }`,
    );
    if (r.body.errors) throw new Error(`destinations query failed: ${JSON.stringify(r.body.errors)}`);
    const byId = new Map<string, { runs: { id: string; status: string; error: string | null }[]; backfill?: ApiBackfill }>(
      r.body.data.destinations.nodes.map((d: any) => [d.id, { runs: d.runs.nodes, backfill: d.backfills.nodes[0] }]),
    );
    for (const [name, dest] of this.destinations) {
      const { runs = [], backfill } = byId.get(dest.id) ?? {};
      const finished = runs.filter((run) => !dest.runs.has(run.id) && (run.status === 'succeeded' || run.status === 'failed'));
      for (const run of finished) dest.runs.add(run.id);
      if (finished.length === 0) {
        if (name === target) throw new Error(`step ${step}: syncDestinationNow(${name}) finished no run`);
        continue;
      }
      const succeeded = finished.some((run) => run.status === 'succeeded');
      const open = m.openBackfill(name);
      let progress: BackfillProgress | undefined;
      if (open && backfill) {
        const until = this.boundaryOf(m, name, backfill, backfill.sentUntil);
        progress = { id: backfill.id, until, open: backfill.status === 'queued' || backfill.status === 'running' };
        // one chunk per successful sync: an open backfill moves or ends; only a successful sync moves it
        if (succeeded ? until === open.period.to && progress.open : until !== open.period.to) {
          throw new Error(
            `step ${step}: backfill ${backfill.id} of ${name} at ${until} (was ${open.period.to}) after ${succeeded ? 'a successful' : 'only failed'} sync`,
          );
        }
      }
      this.log.push(
        `   ${name}: ${finished.map((run) => (run.status === 'failed' ? `failed (${run.error})` : run.status)).join(', ')}` +
          (progress ? `; backfill at ${progress.until}${progress.open ? '' : ` (${backfill!.status})`}` : ''),
      );
      if (succeeded) m.sync(step, name, progress);
      await this.compare(m, name, step);
    }
  }

  async compare(m: ExactnessModel, name: string, step: number) {
    const dest = this.destinations.get(name)!;
    const rows = dest.kind === 'duckdb' ? await readDuckdbEvents(dest.file!) : await readPostgresEvents(warehouse!, dest.schema!);
    const problems = diffWarehouse(m, name, rows, this.ids, dest.received).filter((p) => !FOCUS || FOCUS.test(p));
    if (problems.length > 0) {
      const live = rows.filter((r) => r.eventType !== null).length;
      throw new Error(
        `after step ${step}, destination ${name} (${dest.kind}, ${filterText(m.filterOf(name))}; ${live} live rows, ${rows.length - live} tombstones) breaks the rule:\n` +
          problems.map((p) => `  - ${p}`).join('\n'),
      );
    }
  }

  /** After the generated operations: every destination recovers and every enabled one syncs. */
  async finalSync(m: ExactnessModel) {
    const step = this.begin('finally: every destination recovers, every enabled one syncs');
    for (const [name, dest] of this.destinations) {
      faults.delete(dest.faultTag);
      if (m.isEnabled(name)) await this.gql(`mutation($id: ID!) { syncDestinationNow(id: $id) { __typename } }`, { id: dest.id });
    }
    await this.runSyncs(m, step);
  }

  async dispose() {
    for (const dest of this.destinations.values()) {
      faults.delete(dest.faultTag);
      await this.gql(`mutation($id: ID!) { deleteDestination(id: $id) { __typename } }`, { id: dest.id });
      if (dest.file) fs.rmSync(dest.file, { force: true });
      if (dest.schema) await warehouse!.unsafe(`drop schema if exists ${dest.schema} cascade`);
    }
  }
}

function filterText(filter: EventTypeFilter): string {
  if (filter.include) return `only ${filter.include.join('+')}`;
  if (filter.exclude) return `without ${filter.exclude.join('+')}`;
  return 'no filter';
}

function describeEvent(w: World, e: ClientEvent): string {
  const own = e.url === null ? '' : ` ${new URL(e.url).pathname}${new URL(e.url).search}${e.title === null ? '' : ` "${e.title}"`}`;
  return `${e.marker} ${e.type}${own} @${(e.time - w.viewStart(e.view)) / 1000}s`;
}

/** Navigates always have a URL; identifies never do here; clicks and custom events sometimes. */
function hasOwnUrl(spec: EventSpec): boolean {
  return spec.type === 'navigate' || (spec.ownUrl && spec.type !== 'identify');
}

function specText(spec: EventSpec): string {
  if (!hasOwnUrl(spec)) return spec.type;
  const url = new URL(URLS[spec.url]!);
  const title = TITLES[spec.title];
  return `${spec.type} ${url.pathname}${url.search}${title === null ? '' : ` "${title}"`}`;
}

// ---- commands --------------------------------------------------------------------------------

type Command = fc.AsyncCommand<ExactnessModel, World>;
const nth = <T>(items: T[], pick: number): T => items[pick % items.length]!;

class Append implements Command {
  readonly device: number;
  readonly slot: number;
  readonly specs: EventSpec[];
  constructor(device: number, slot: number, specs: EventSpec[]) {
    this.device = device;
    this.slot = slot;
    this.specs = specs;
  }
  check() {
    return true;
  }
  async run(m: ExactnessModel, w: World) {
    const view = w.view(this.device, this.slot);
    let time = Math.max(w.viewStart(view), ...(m.views.get(view) ?? []).map((e) => e.time));
    const events = this.specs.map((spec) => w.clientEvent(this.device, view, (time += 1000), spec));
    const step = w.begin(
      `capture in order, device ${w.device(this.device)} view ${view}: ${events.map((e) => describeEvent(w, e)).join(', ')}`,
    );
    await w.capture(w.device(this.device), events, m.capture(step, events).duplicates);
  }
  toString() {
    return `append(device ${this.device}, view slot ${this.slot}, [${this.specs.map(specText).join(', ')}])`;
  }
}

class Late implements Command {
  readonly pick: number;
  readonly at: number;
  readonly spec: EventSpec;
  constructor(pick: number, at: number, spec: EventSpec) {
    this.pick = pick;
    this.at = at;
    this.spec = spec;
  }
  check(m: ExactnessModel) {
    return m.views.size > 0;
  }
  async run(m: ExactnessModel, w: World) {
    const { device, view } = nth(w.allViews(), this.pick);
    const events = m.views.get(view)!;
    const index = Math.floor(this.at * events.length);
    const next = events[index]!.time;
    const time = index === 0 ? next - 500 : Math.floor((events[index - 1]!.time + next) / 2);
    const event = w.clientEvent(device, view, time, this.spec);
    const step = w.begin(
      `capture late, device ${w.device(device)} view ${view}: ${describeEvent(w, event)} (before ${events[index]!.marker})`,
    );
    await w.capture(w.device(device), [event], m.capture(step, [event]).duplicates);
  }
  toString() {
    return `late(view ${this.pick}, at ${this.at.toFixed(2)}, ${specText(this.spec)})`;
  }
}

class Replay implements Command {
  readonly pick: number;
  constructor(pick: number) {
    this.pick = pick;
  }
  check(m: ExactnessModel) {
    return m.events.size > 0;
  }
  async run(m: ExactnessModel, w: World) {
    const event = nth([...m.events.values()], this.pick);
    const step = w.begin(`replay ${event.marker} (client id ${event.clientId})`);
    const { capturedAt: _c, versions: _v, ...client } = event;
    await w.capture(event.device, [client], m.capture(step, [client]).duplicates);
  }
  toString() {
    return `replay(event ${this.pick})`;
  }
}

/** The step a backfill starts at: `fraction` of the way through the steps so far (the first at 0). */
function backfillStart(w: World, fraction: number): number {
  return 1 + Math.floor(fraction * w.step);
}

class CreateDestination implements Command {
  readonly kind: 'duckdb' | 'postgres';
  readonly enabled: boolean;
  readonly filter: EventTypeFilter;
  /** With a backfill from this fraction of the steps so far (null: none). */
  readonly backfillFrom: number | null;
  constructor(kind: 'duckdb' | 'postgres', enabled: boolean, filter: EventTypeFilter, backfillFrom: number | null) {
    this.kind = kind;
    this.enabled = enabled;
    this.filter = filter;
    this.backfillFrom = backfillFrom;
  }
  check(m: ExactnessModel) {
    return m.destinationNames().length < MAX_DESTINATIONS;
  }
  async run(m: ExactnessModel, w: World) {
    const kind = this.kind === 'postgres' && !warehouse ? 'duckdb' : this.kind;
    const name = `${kind === 'duckdb' ? 'duck' : 'pg'}${m.destinationNames().length + 1}`;
    const faultTag = `run${w.run}-${name}`;
    const dest: RealDestination = { id: '', kind, faultTag, runs: new Set(), received: new Set() };
    let config: Record<string, unknown>;
    if (kind === 'duckdb') {
      const duck = duckdbDestinationFile(t.config.destinationFilesDir, `run${w.run}-${name}`);
      config = duck.config;
      dest.file = duck.file;
    } else {
      dest.schema = `model_${process.pid}_${w.run}_${name}`;
      config = { url: warehouseUrl, schema: dest.schema };
    }
    await pause(BOUNDARY_PAUSE_MS);
    const from = this.backfillFrom === null ? null : backfillStart(w, this.backfillFrom);
    const step = w.begin(
      `create ${name} (${kind}, ${this.enabled ? 'enabled' : 'disabled'}, ${filterText(this.filter)}${from === null ? '' : `, backfill from step ${from}`})`,
    );
    // after the step's start: a backfill from this very step starts before the request
    await pause(BOUNDARY_PAUSE_MS);
    const r = await w.gql(
      `mutation($input: DestinationInput!) { createDestination(input: $input) {
        __typename ... on DestinationCreated { data { id backfills { nodes { id } } } } ... on ValidationError { code message } } }`,
      {
        input: {
          name,
          pluginId: kind === 'duckdb' ? switchableDuckdb.id : switchablePostgres.id,
          config: { ...config, faultTag },
          enabled: this.enabled,
          eventTypesInclude: this.filter.include,
          eventTypesExclude: this.filter.exclude,
          ...(from === null ? {} : { backfillFrom: new Date(w.stepStarts[from]!).toISOString() }),
        },
      },
    );
    const result = r.body.data?.createDestination;
    if (result?.__typename !== 'DestinationCreated') throw new Error(`createDestination failed: ${JSON.stringify(r.body)}`);
    dest.id = result.data.id;
    w.destinations.set(name, dest);
    m.createDestination(step, name, this.enabled, this.filter);
    if (from !== null) m.requestBackfill(step, name, result.data.backfills.nodes[0].id, from - 0.5);
    await pause(BOUNDARY_PAUSE_MS);
  }
  toString() {
    return `createDestination(${this.kind}, ${this.enabled ? 'enabled' : 'disabled'}, ${filterText(this.filter)}${this.backfillFrom === null ? '' : `, backfill from ${this.backfillFrom.toFixed(2)}`})`;
  }
}

class SetEnabled implements Command {
  readonly pick: number;
  readonly enabled: boolean;
  constructor(pick: number, enabled: boolean) {
    this.pick = pick;
    this.enabled = enabled;
  }
  check(m: ExactnessModel) {
    return m.destinationNames().length > 0;
  }
  async run(m: ExactnessModel, w: World) {
    const name = nth(m.destinationNames(), this.pick);
    const mutation = this.enabled ? 'enableDestination' : 'disableDestination';
    await pause(BOUNDARY_PAUSE_MS);
    const step = w.begin(`${this.enabled ? 'enable' : 'disable'} ${name}`);
    const r = await w.gql(`mutation($id: ID!) { ${mutation}(id: $id) { __typename } }`, { id: w.destinations.get(name)!.id });
    if (!['DestinationEnabled', 'DestinationDisabled'].includes(r.body.data?.[mutation]?.__typename))
      throw new Error(`${mutation} failed: ${JSON.stringify(r.body)}`);
    if (this.enabled) m.enable(step, name);
    else m.disable(step, name);
    await pause(BOUNDARY_PAUSE_MS);
  }
  toString() {
    return `${this.enabled ? 'enable' : 'disable'}(destination ${this.pick})`;
  }
}

class SetFilter implements Command {
  readonly pick: number;
  readonly filter: EventTypeFilter;
  constructor(pick: number, filter: EventTypeFilter) {
    this.pick = pick;
    this.filter = filter;
  }
  check(m: ExactnessModel) {
    return m.destinationNames().length > 0;
  }
  async run(m: ExactnessModel, w: World) {
    const name = nth(m.destinationNames(), this.pick);
    // a filter change of an enabled destination starts a new active period: a boundary in time
    await pause(BOUNDARY_PAUSE_MS);
    const step = w.begin(`filter ${name}: ${filterText(this.filter)}`);
    const r = await w.gql(
      `mutation($id: ID!, $input: DestinationInput!) { updateDestination(id: $id, input: $input) {
        __typename ... on DestinationUpdated { data { eventTypesInclude eventTypesExclude } } ... on AppError { code message } } }`,
      { id: w.destinations.get(name)!.id, input: { eventTypesInclude: this.filter.include, eventTypesExclude: this.filter.exclude } },
    );
    const data = r.body.data?.updateDestination?.data;
    if (
      !data ||
      JSON.stringify([data.eventTypesInclude, data.eventTypesExclude]) !== JSON.stringify([this.filter.include, this.filter.exclude])
    ) {
      throw new Error(`updateDestination did not set the filter: ${JSON.stringify(r.body)}`);
    }
    m.setFilter(step, name, this.filter);
    await pause(BOUNDARY_PAUSE_MS);
  }
  toString() {
    return `filter(destination ${this.pick}, ${filterText(this.filter)})`;
  }
}

class Backfill implements Command {
  readonly pick: number;
  /** It starts this fraction of the way through the steps so far. */
  readonly from: number;
  constructor(pick: number, from: number) {
    this.pick = pick;
    this.from = from;
  }
  check(m: ExactnessModel) {
    return m.destinationNames().length > 0;
  }
  async run(m: ExactnessModel, w: World) {
    const name = nth(m.destinationNames(), this.pick);
    const from = backfillStart(w, this.from);
    await pause(BOUNDARY_PAUSE_MS);
    const step = w.begin(`backfill ${name} from step ${from}`);
    // after the step's start: a backfill from this very step starts before the request
    await pause(BOUNDARY_PAUSE_MS);
    const r = await w.gql(
      `mutation($id: ID!, $from: DateTime!) { backfillDestination(id: $id, from: $from) {
        __typename ... on BackfillStarted { data { ${BACKFILL_FIELDS} } } ... on AppError { code message } } }`,
      { id: w.destinations.get(name)!.id, from: new Date(w.stepStarts[from]!).toISOString() },
    );
    const answer = r.body.data?.backfillDestination;
    if (m.openBackfill(name)) {
      if (answer?.code !== 'BACKFILL_IN_PROGRESS') throw new Error(`expected BACKFILL_IN_PROGRESS: ${JSON.stringify(r.body)}`);
      w.log.push('   refused: BACKFILL_IN_PROGRESS');
    } else {
      if (answer?.__typename !== 'BackfillStarted') throw new Error(`backfillDestination failed: ${JSON.stringify(r.body)}`);
      m.requestBackfill(step, name, answer.data.id, from - 0.5);
    }
    await pause(BOUNDARY_PAUSE_MS);
  }
  toString() {
    return `backfill(destination ${this.pick}, from ${this.from.toFixed(2)})`;
  }
}

class CancelBackfill implements Command {
  readonly pick: number;
  constructor(pick: number) {
    this.pick = pick;
  }
  check(m: ExactnessModel) {
    return m.destinationNames().some((name) => m.lastBackfill(name));
  }
  async run(m: ExactnessModel, w: World) {
    const name = nth(
      m.destinationNames().filter((n) => m.lastBackfill(n)),
      this.pick,
    );
    const backfill = m.lastBackfill(name)!;
    w.begin(`cancel the backfill of ${name}`);
    const r = await w.gql(
      `mutation($id: ID!) { cancelBackfill(id: $id) {
        __typename ... on BackfillCancelled { data { ${BACKFILL_FIELDS} } } ... on AppError { code message } } }`,
      { id: backfill.id },
    );
    const answer = r.body.data?.cancelBackfill;
    if (!backfill.open && backfill.period.to === backfill.end) {
      if (answer?.code !== 'BACKFILL_FINISHED') throw new Error(`expected BACKFILL_FINISHED: ${JSON.stringify(r.body)}`);
      w.log.push('   refused: BACKFILL_FINISHED');
      return;
    }
    const data: ApiBackfill | undefined = answer?.data;
    const atOnce = data?.status === 'cancelled';
    const pending = backfill.open && data?.status === 'running' && data.cancelRequested;
    if (!atOnce && !pending) throw new Error(`cancelBackfill: ${JSON.stringify(r.body)}`);
    if (w.boundaryOf(m, name, data!, data!.sentUntil) !== backfill.period.to)
      throw new Error(`cancelBackfill moved the backfill: ${JSON.stringify(data)}`);
    w.log.push(atOnce ? '   cancelled' : '   cancel requested: a chunk is in flight');
    if (atOnce) m.cancelBackfill(name, backfill.id);
  }
  toString() {
    return `cancelBackfill(destination ${this.pick})`;
  }
}

const PAGE_FIELDS = 'id priority';

class CreatePage implements Command {
  readonly path: number;
  readonly priority: number | null;
  constructor(path: number, priority: number | null) {
    this.path = path;
    this.priority = priority;
  }
  check() {
    return true;
  }
  async run(m: ExactnessModel, w: World) {
    const pagePath = PAGE_PATHS[this.path]!;
    w.begin(`create page definition path ${pagePath}${this.priority === null ? '' : ` priority ${this.priority}`}`);
    const r = await w.gql(
      `mutation($input: CreatePageDefinitionInput!) { createPageDefinition(input: $input) {
        __typename ... on PageDefinitionCreated { data { ${PAGE_FIELDS} } } ... on ValidationError { code message } } }`,
      {
        input: {
          name: `page ${m.pages.size + 1}`,
          rule: { path: pagePath },
          ...(this.priority === null ? {} : { priority: this.priority }),
        },
      },
    );
    const result = r.body.data?.createPageDefinition;
    const taken = m.activePriorities();
    if (this.priority !== null && taken.has(this.priority)) {
      if (result?.code !== 'DUPLICATE_PRIORITY') throw new Error(`expected DUPLICATE_PRIORITY: ${JSON.stringify(r.body)}`);
      w.log.push('   refused: DUPLICATE_PRIORITY');
      return;
    }
    if (result?.__typename !== 'PageDefinitionCreated') throw new Error(`createPageDefinition failed: ${JSON.stringify(r.body)}`);
    const { id, priority } = result.data;
    if (this.priority === null && [...taken].some((p) => p >= priority))
      throw new Error(`a page created without priority got ${priority}, not after ${[...taken]}`);
    m.pages.set(id, { id, path: pagePath, priority, active: true });
    w.log.push(`   ${id} priority ${priority}`);
  }
  toString() {
    return `createPage(${PAGE_PATHS[this.path]}${this.priority === null ? '' : `, priority ${this.priority}`})`;
  }
}

const activePages = (m: ExactnessModel) => [...m.pages.values()].filter((p) => p.active);

class EditPage implements Command {
  readonly pick: number;
  readonly path: number | null;
  readonly priority: number | null;
  constructor(pick: number, path: number | null, priority: number | null) {
    this.pick = pick;
    this.path = path;
    this.priority = priority;
  }
  check(m: ExactnessModel) {
    return activePages(m).length > 0;
  }
  async run(m: ExactnessModel, w: World) {
    const page = nth(activePages(m), this.pick);
    const input = {
      ...(this.path === null ? {} : { rule: { path: PAGE_PATHS[this.path] } }),
      ...(this.priority === null ? {} : { priority: this.priority }),
    };
    w.begin(`edit page definition ${page.id}: ${JSON.stringify(input)}`);
    const r = await w.gql(
      `mutation($id: ID!, $input: UpdatePageDefinitionInput!) { updatePageDefinition(id: $id, input: $input) {
        __typename ... on PageDefinitionUpdated { data { ${PAGE_FIELDS} } } ... on AppError { code message } } }`,
      { id: page.id, input },
    );
    const result = r.body.data?.updatePageDefinition;
    if (this.priority !== null && m.activePriorities(page.id).has(this.priority)) {
      if (result?.code !== 'DUPLICATE_PRIORITY') throw new Error(`expected DUPLICATE_PRIORITY: ${JSON.stringify(r.body)}`);
      w.log.push('   refused: DUPLICATE_PRIORITY');
      return;
    }
    if (result?.__typename !== 'PageDefinitionUpdated') throw new Error(`updatePageDefinition failed: ${JSON.stringify(r.body)}`);
    if (this.path !== null) page.path = PAGE_PATHS[this.path]!;
    if (this.priority !== null) page.priority = this.priority;
  }
  toString() {
    return `editPage(page ${this.pick}${this.path === null ? '' : `, path ${PAGE_PATHS[this.path]}`}${this.priority === null ? '' : `, priority ${this.priority}`})`;
  }
}

class ArchivePage implements Command {
  readonly pick: number;
  constructor(pick: number) {
    this.pick = pick;
  }
  check(m: ExactnessModel) {
    return activePages(m).length > 0;
  }
  async run(m: ExactnessModel, w: World) {
    const page = nth(activePages(m), this.pick);
    w.begin(`archive page definition ${page.id}`);
    const r = await w.gql(`mutation($id: ID!) { archivePageDefinition(id: $id) { __typename ... on AppError { code message } } }`, {
      id: page.id,
    });
    if (r.body.data?.archivePageDefinition?.__typename !== 'PageDefinitionArchived')
      throw new Error(`archivePageDefinition failed: ${JSON.stringify(r.body)}`);
    page.active = false;
  }
  toString() {
    return `archivePage(page ${this.pick})`;
  }
}

class SetFault implements Command {
  readonly pick: number;
  readonly mode: FaultMode | null;
  constructor(pick: number, mode: FaultMode | null) {
    this.pick = pick;
    this.mode = mode;
  }
  check(m: ExactnessModel) {
    return m.destinationNames().length > 0;
  }
  async run(m: ExactnessModel, w: World) {
    const name = nth(m.destinationNames(), this.pick);
    const tag = w.destinations.get(name)!.faultTag;
    w.begin(this.mode === null ? `${name} recovers` : `${name} starts failing (at ${this.mode})`);
    if (this.mode === null) faults.delete(tag);
    else faults.set(tag, this.mode);
  }
  toString() {
    return this.mode === null ? `recover(destination ${this.pick})` : `fail(destination ${this.pick}, at ${this.mode})`;
  }
}

class Sync implements Command {
  readonly pick: number;
  constructor(pick: number) {
    this.pick = pick;
  }
  check(m: ExactnessModel) {
    return m.destinationNames().length > 0;
  }
  async run(m: ExactnessModel, w: World) {
    const name = nth(m.destinationNames(), this.pick);
    const step = w.begin(`sync ${name}`);
    const r = await w.gql(`mutation($id: ID!) { syncDestinationNow(id: $id) { __typename ... on AppError { code message } } }`, {
      id: w.destinations.get(name)!.id,
    });
    const answer = r.body.data?.syncDestinationNow;
    const enabled = m.isEnabled(name);
    if (enabled && answer?.__typename !== 'SyncQueued') throw new Error(`syncDestinationNow failed: ${JSON.stringify(r.body)}`);
    if (!enabled) w.log.push(`   refused (disabled): ${answer?.code ?? JSON.stringify(r.body)}`);
    await w.runSyncs(m, step, enabled ? name : undefined);
  }
  toString() {
    return `sync(destination ${this.pick})`;
  }
}

// ---- generators ------------------------------------------------------------------------------

const eventSpec: fc.Arbitrary<EventSpec> = fc.record({
  type: fc.constantFrom(...EVENT_TYPES),
  url: fc.nat({ max: URLS.length - 1 }),
  ownUrl: fc.boolean().chain((a) => fc.boolean().map((b) => a && b)),
  title: fc.nat({ max: TITLES.length - 1 }),
});
const filterArb: fc.Arbitrary<EventTypeFilter> = fc.oneof(
  { arbitrary: fc.constant(NO_FILTER), weight: 2 },
  fc.subarray([...EVENT_TYPES], { minLength: 1, maxLength: 3 }).map((types) => ({ include: types, exclude: null })),
  fc.subarray([...EVENT_TYPES], { minLength: 1, maxLength: 3 }).map((types) => ({ include: null, exclude: types })),
);
const pick = fc.nat({ max: 7 });
const priority = fc.option(fc.integer({ min: 0, max: 40 }), { nil: null });

const append = fc
  .tuple(fc.nat({ max: DEVICES - 1 }), fc.nat({ max: VIEWS_PER_DEVICE - 1 }), fc.array(eventSpec, { minLength: 1, maxLength: 5 }))
  .map(([device, slot, specs]) => new Append(device, slot, specs));
const late = fc.tuple(pick, fc.double({ min: 0, max: 0.999, noNaN: true }), eventSpec).map(([p, at, spec]) => new Late(p, at, spec));
const sync = pick.map((p) => new Sync(p));
const createDestination = fc
  .tuple(
    fc.constantFrom('duckdb' as const, 'postgres' as const),
    fc.oneof({ arbitrary: fc.constant(true), weight: 3 }, fc.constant(false)),
    filterArb,
    fc.option(fc.double({ min: 0, max: 0.999, noNaN: true }), { nil: null, freq: 3 }),
  )
  .map(([kind, enabled, filter, backfillFrom]) => new CreateDestination(kind, enabled, filter, backfillFrom));
const backfill = fc.tuple(pick, fc.double({ min: 0, max: 0.999, noNaN: true })).map(([p, from]) => new Backfill(p, from));

/** Repeated entries weigh the draw (fc.commands picks uniformly among them). */
const commandArbitraries: fc.Arbitrary<Command>[] = [
  ...Array<typeof append>(3).fill(append),
  ...Array<typeof late>(4).fill(late),
  ...Array<typeof sync>(4).fill(sync),
  createDestination,
  createDestination,
  pick.map((p) => new SetEnabled(p, true)),
  pick.map((p) => new SetEnabled(p, true)),
  pick.map((p) => new SetEnabled(p, false)),
  pick.map((p) => new SetEnabled(p, false)),
  fc.nat().map((p) => new Replay(p)),
  fc.tuple(pick, filterArb).map(([p, f]) => new SetFilter(p, f)),
  fc.tuple(fc.nat({ max: PAGE_PATHS.length - 1 }), priority).map(([p, prio]) => new CreatePage(p, prio)),
  fc
    .tuple(pick, fc.option(fc.nat({ max: PAGE_PATHS.length - 1 }), { nil: null }), priority)
    .map(([p, path, prio]) => new EditPage(p, path === null && prio === null ? 0 : path, prio)),
  pick.map((p) => new ArchivePage(p)),
  fc.tuple(pick, fc.constantFrom<FaultMode | null>('connect', 'load', null)).map(([p, mode]) => new SetFault(p, mode)),
  backfill,
  backfill,
  pick.map((p) => new CancelBackfill(p)),
];

// ---- the property ----------------------------------------------------------------------------

describe('every destination converges to exactly the events captured while it was active', () => {
  it(
    'holds after every sync of random captures, late events, replays, destination and definition changes, backfills and failures',
    async () => {
      let inFlight: Promise<unknown> = Promise.resolve();
      const property = fc.asyncProperty(
        fc.commands(commandArbitraries, { maxCommands: MAX_COMMANDS, size: 'max', replayPath: REPLAY_PATH }),
        (commands) => {
          const once = (async () => {
            const world = await World.create();
            try {
              const model = new ExactnessModel();
              await fc.asyncModelRun(() => ({ model, real: world }), commands);
              await world.finalSync(model);
            } catch (error) {
              if (error instanceof Error) error.message += `\n\nOperations of this run (run ${world.run}):\n${world.log.join('\n')}`;
              throw error;
            } finally {
              await world.dispose();
            }
          })();
          inFlight = once.catch(() => {});
          return once;
        },
      );
      try {
        await fc.assert(property, {
          seed: SEED,
          numRuns: RUNS,
          ...(PATH ? { path: PATH } : {}),
          plugins: [fc.interruptAfterTimeLimit(TIME_LIMIT_MS)],
        });
      } finally {
        await inFlight;
      }
    },
    TIME_LIMIT_MS + 120_000,
  );
});
