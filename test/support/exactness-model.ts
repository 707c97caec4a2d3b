/**
 * An independent reference model of "every destination converges to exactly the events captured
 * while it was active" (docs/warehouse-schema.md, "What each destination holds"; issue #12) and of the processing semantics it
 * rests on (§3: per-view order, page context, late events, replays, forward-only page
 * definitions). Written from the documented rule and the public API, never from the processing or
 * sync code, so that it can disagree with them. Pure: no I/O; the harness feeds it the operations
 * it performed, in order, each with its step number (the model's clock).
 *
 * Times: a step is one operation of the harness, done one at a time and awaited; the harness
 * waits a few milliseconds around every enable, disable and create, so "captured while active"
 * is decided by step order alone.
 *
 * Where the documents leave room, the model reads them so:
 * - page_definition_id of a row version is the match of its URL (its own, or the one it
 *   inherits) against the page definitions active when that version is written;
 * - an event with a URL of its own is its own page context: its own title, or none;
 * - filters belong to active periods (docs/warehouse-schema.md "What each destination holds"): an
 *   event is judged by the filter in force when it was captured, whenever its versions are
 *   synced; changing the filter of an enabled destination ends one period and starts the next,
 *   so it neither resends nor removes what was captured before;
 * - a row the destination held live gets its tombstone whatever the filter; a row it never held
 *   (filtered out, or superseded before any sync reached it) gets none;
 * - enabling an enabled destination changes nothing (it stays in the same active period);
 * - a backfill (the recorded exception, issue #14) has a period of its own, with the filter the
 *   destination had when it was requested, covering the capture times from its start up to
 *   where it has got (the harness reads that from the API after each sync and gives it as a step
 *   boundary): each successful sync that moves it sends the current version (at that sync) of
 *   every event captured in the newly covered times that the backfill's filter passes; from
 *   then on those events are like events of an active period. An event inside several periods
 *   goes live when any of them passes it.
 */

export const EVENT_TYPES = ['navigate', 'click', 'custom', 'identify'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** One client event as sent to the native batch endpoint (what the model needs of it). */
export interface ClientEvent {
  device: string;
  session: string;
  view: string;
  /** The client's own id: (device, clientId) identifies the event; a replay is stored once. */
  clientId: string;
  seq: number;
  /** Event time, epoch milliseconds. */
  time: number;
  type: EventType;
  /** The event's own URL (navigates always have one). */
  url: string | null;
  /** The event's own title (only meaningful with its own URL). */
  title: string | null;
  /** Unique per client event; read back from the warehouse row. */
  marker: string;
}

export interface ModelEvent extends ClientEvent {
  /** The step of the capture request that first delivered it. */
  capturedAt: number;
  /** Every stored row of the event, oldest first; the last is current. */
  versions: ModelVersion[];
}

/** One stored row of an event (a re-emission makes a new one under a new event_id). */
export interface ModelVersion {
  /** `<marker>@v<n>`, for messages. */
  label: string;
  event: ModelEvent;
  url: string | null;
  title: string | null;
  pageDefinitionId: string | null;
  createdAt: number;
}

export interface PageDefinitionState {
  id: string;
  /** The rule: an exact `path` pattern. */
  path: string;
  priority: number;
  active: boolean;
}

/** A destination's event-type filter (at most one of the two is set). */
export interface EventTypeFilter {
  include: EventType[] | null;
  exclude: EventType[] | null;
}

export const NO_FILTER: EventTypeFilter = { include: null, exclude: null };

/**
 * Capture times a destination receives, in steps: captures at steps strictly between `from` and
 * `to` (boundaries fall between steps: an active period starts and ends at a step that captures
 * nothing, a backfill's boundaries are given as `k ± 0.5`).
 */
interface Period {
  kind: 'active' | 'backfill';
  from: number;
  to: number | null;
  filter: EventTypeFilter;
}

/** A backfill as the model follows it. */
interface BackfillState {
  id: string;
  /** Its period; `to` is where it has got. */
  period: Period;
  /** The step it was requested at: it covers captures before it. */
  end: number;
  /** Still queued or running (not finished, not cancelled). */
  open: boolean;
}

/** A backfill's state after a sync, from the API: where it has got (a step boundary), and whether it is still open. */
export interface BackfillProgress {
  id: string;
  until: number;
  open: boolean;
}

interface DestinationState {
  /** Active and backfill periods, each with the filter in force while it lasted. */
  periods: Period[];
  backfills: BackfillState[];
  /** The filter of the destination now (of its next period while disabled). */
  filter: EventTypeFilter;
  /** Step of the last successful sync (0: none yet). */
  lastSyncAt: number;
  /** What the destination holds, by row version. */
  held: Map<ModelVersion, 'live' | 'tombstone'>;
  /** Versions left out by the filter, with the step of the sync that left them out (for messages). */
  filteredOut: Map<ModelVersion, number>;
}

/** What a destination's `events` table must hold right now. */
export interface ExpectedWarehouse {
  /** The one live row of each event it holds. */
  live: Map<ModelEvent, ModelVersion>;
  tombstones: Set<ModelVersion>;
}

interface PageContext {
  url: string | null;
  title: string | null;
}

export class ExactnessModel {
  /** Events by `<device>/<clientId>`. */
  readonly events = new Map<string, ModelEvent>();
  readonly byMarker = new Map<string, ModelEvent>();
  /** Each view's events in (time, seq) order. */
  readonly views = new Map<string, ModelEvent[]>();
  readonly pages = new Map<string, PageDefinitionState>();
  private readonly destinations = new Map<string, DestinationState>();

  // ---- processing -------------------------------------------------------------------------

  /**
   * A capture request at step `at`. New events are inserted in their view's order; every stored
   * event whose page context (url, title) changes as a result gets one new version, enriched
   * with the page definitions active now. Returns how many events were replays.
   */
  capture(at: number, batch: ClientEvent[]): { duplicates: number } {
    let duplicates = 0;
    const touched = new Set<string>();
    for (const input of batch) {
      const key = `${input.device}/${input.clientId}`;
      if (this.events.has(key)) {
        duplicates++;
        continue;
      }
      const event: ModelEvent = { ...input, capturedAt: at, versions: [] };
      this.events.set(key, event);
      this.byMarker.set(event.marker, event);
      const view = this.views.get(event.view) ?? [];
      view.push(event);
      view.sort((a, b) => a.time - b.time || a.seq - b.seq);
      this.views.set(event.view, view);
      touched.add(event.view);
    }
    for (const view of touched) this.reprocess(this.views.get(view)!, at);
    return { duplicates };
  }

  private reprocess(view: ModelEvent[], at: number) {
    let context: PageContext = { url: null, title: null };
    for (const event of view) {
      // an event with its own URL is its own page context (its own title, or none)
      const own: PageContext = event.url !== null ? { url: event.url, title: event.title } : context;
      if (event.type === 'navigate') context = own;
      const current = event.versions.at(-1);
      if (current && current.url === own.url && current.title === own.title) continue;
      event.versions.push({
        label: `${event.marker}@v${event.versions.length}`,
        event,
        url: own.url,
        title: own.title,
        pageDefinitionId: this.matchPage(own.url),
        createdAt: at,
      });
    }
  }

  /** docs/definitions.md: active page definitions by priority (then id); the first match wins. */
  matchPage(url: string | null): string | null {
    if (url === null) return null;
    const path = trimSlash(new URL(url).pathname);
    const active = [...this.pages.values()]
      .filter((p) => p.active)
      .sort((a, b) => a.priority - b.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return active.find((p) => trimSlash(p.path) === path)?.id ?? null;
  }

  activePriorities(except?: string): Set<number> {
    return new Set([...this.pages.values()].filter((p) => p.active && p.id !== except).map((p) => p.priority));
  }

  // ---- destinations -----------------------------------------------------------------------

  createDestination(at: number, name: string, enabled: boolean, filter: EventTypeFilter) {
    this.destinations.set(name, {
      periods: enabled ? [{ kind: 'active', from: at, to: null, filter }] : [],
      backfills: [],
      filter,
      lastSyncAt: 0,
      held: new Map(),
      filteredOut: new Map(),
    });
  }

  destinationNames(): string[] {
    return [...this.destinations.keys()];
  }

  private openPeriod(name: string): Period | undefined {
    return this.destination(name).periods.find((p) => p.kind === 'active' && p.to === null);
  }

  isEnabled(name: string): boolean {
    return this.openPeriod(name) !== undefined;
  }

  /** Enabling an enabled destination changes nothing: it stays in the same active period. */
  enable(at: number, name: string) {
    const d = this.destination(name);
    if (!this.isEnabled(name)) d.periods.push({ kind: 'active', from: at, to: null, filter: d.filter });
  }

  disable(at: number, name: string) {
    const open = this.openPeriod(name);
    if (open) open.to = at;
  }

  /** A filter change at step `at`: an enabled destination ends its period and starts the next. */
  setFilter(at: number, name: string, filter: EventTypeFilter) {
    const d = this.destination(name);
    d.filter = filter;
    const open = this.openPeriod(name);
    if (open) {
      open.to = at;
      d.periods.push({ kind: 'active', from: at, to: null, filter });
    }
  }

  /**
   * A backfill requested at step `at` (or with the destination's creation at that step) of the
   * captures after boundary `from` and before `at`, with the destination's filter now. It has
   * covered nothing yet.
   */
  requestBackfill(at: number, name: string, id: string, from: number) {
    const d = this.destination(name);
    if (this.openBackfill(name)) throw new Error(`${name} already has an open backfill`);
    const period: Period = { kind: 'backfill', from, to: from, filter: d.filter };
    d.periods.push(period);
    d.backfills.push({ id, period, end: at, open: true });
  }

  /** The destination's queued or running backfill. */
  openBackfill(name: string): BackfillState | undefined {
    return this.destination(name).backfills.find((b) => b.open);
  }

  /** The destination's newest backfill. */
  lastBackfill(name: string): BackfillState | undefined {
    return this.destination(name).backfills.at(-1);
  }

  /** A cancel that took effect at once: the backfill stops where it is. */
  cancelBackfill(name: string, id: string) {
    const backfill = this.destination(name).backfills.find((b) => b.id === id);
    if (!backfill) throw new Error(`no backfill ${id} of ${name} in the model`);
    backfill.open = false;
  }

  filterOf(name: string): EventTypeFilter {
    return this.destination(name).filter;
  }

  /**
   * A successful sync at step `at`: the current row of every event captured inside one of the
   * destination's periods goes live if one of those periods' filters passes it; a backfill it
   * moved (`backfill`: where it got to, from the API) then sends the current row of every event
   * in the capture times it newly covered that its filter passes; every row the destination held
   * live that is no longer current becomes a tombstone (whatever the filter).
   */
  sync(at: number, name: string, backfill?: BackfillProgress) {
    const d = this.destination(name);
    for (const event of this.events.values()) {
      const eligible = eligibility(d, event);
      if (!eligible) continue;
      const current = event.versions.at(-1)!;
      if (current.createdAt <= d.lastSyncAt || d.held.has(current)) continue;
      if (eligible === 'live') d.held.set(current, 'live');
      else d.filteredOut.set(current, at);
    }
    if (backfill) this.backfillChunk(at, d, backfill);
    for (const [version, state] of d.held) {
      if (state === 'live' && version.event.versions.at(-1) !== version) d.held.set(version, 'tombstone');
    }
    d.lastSyncAt = at;
  }

  private backfillChunk(at: number, d: DestinationState, progress: BackfillProgress) {
    const backfill = d.backfills.find((b) => b.id === progress.id);
    if (!backfill) throw new Error(`no backfill ${progress.id} in the model`);
    const { period } = backfill;
    const from = period.to!;
    if (progress.until < from || progress.until > backfill.end) {
      throw new Error(`backfill ${progress.id} moved from ${from} to ${progress.until}, outside [${from}, ${backfill.end}]`);
    }
    for (const event of this.events.values()) {
      if (event.capturedAt <= from || event.capturedAt >= progress.until) continue;
      const current = event.versions.at(-1)!;
      if (d.held.has(current)) continue;
      if (passes(period.filter, event.type)) d.held.set(current, 'live');
      else d.filteredOut.set(current, at);
    }
    period.to = progress.until;
    backfill.open = progress.open;
  }

  expected(name: string): ExpectedWarehouse {
    const live = new Map<ModelEvent, ModelVersion>();
    const tombstones = new Set<ModelVersion>();
    for (const [version, state] of this.destination(name).held) {
      if (state === 'live') live.set(version.event, version);
      else tombstones.add(version);
    }
    return { live, tombstones };
  }

  /** Why a destination must not hold a live row of `event` (for failure messages). */
  whyAbsent(name: string, event: ModelEvent): string {
    const d = this.destination(name);
    if (!eligibility(d, event)) {
      const periods = d.periods.map((p) => `${p.kind === 'backfill' ? 'backfill ' : ''}${p.from}–${p.to ?? '…'}`).join(', ') || 'none';
      return `captured at step ${event.capturedAt}, outside its periods (steps ${periods})`;
    }
    const current = event.versions.at(-1)!;
    const filteredAt = d.filteredOut.get(current);
    if (filteredAt !== undefined)
      return `its current row ${current.label} was filtered out (${event.type}) by the sync at step ${filteredAt}`;
    return `its current row ${current.label} was written at step ${current.createdAt}, after the last successful sync`;
  }

  private destination(name: string): DestinationState {
    const d = this.destinations.get(name);
    if (!d) throw new Error(`no destination ${name} in the model`);
    return d;
  }
}

/** Whether an event's rows go live (some period holding its capture passes it), are filtered out, or are outside every period. */
function eligibility(d: DestinationState, event: ModelEvent): 'live' | 'filtered' | undefined {
  const holding = d.periods.filter((p) => p.from < event.capturedAt && (p.to === null || event.capturedAt < p.to));
  if (holding.length === 0) return undefined;
  return holding.some((p) => passes(p.filter, event.type)) ? 'live' : 'filtered';
}

function passes(filter: EventTypeFilter, type: EventType): boolean {
  if (filter.include) return filter.include.includes(type);
  if (filter.exclude) return !filter.exclude.includes(type);
  return true;
}

function trimSlash(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

// ---- comparison with a warehouse ------------------------------------------------------------

/** One row of a destination's `events` table, reduced to what the rule speaks of. */
export interface WarehouseRow {
  eventId: string;
  eventType: string | null;
  /** epoch milliseconds */
  time: number;
  device: string;
  session: string | null;
  view: string | null;
  marker: string | null;
  url: string | null;
  title: string | null;
  pageDefinitionId: string | null;
  /** Whether event_properties is NULL (it must be on tombstones). */
  propertiesNull: boolean;
}

/**
 * Warehouse event_ids are made by the server: each is tied to a model row version the first time
 * a live row shows it (in any destination), and must mean that version everywhere afterwards.
 */
export class VersionIds {
  readonly byVersion = new Map<ModelVersion, string>();
  readonly byId = new Map<string, ModelVersion>();
}

/**
 * Compares one destination's rows with what the model says it must hold; returns readable
 * problems (none when it matches). Records newly seen event_ids in `ids`, and the ids the
 * destination held live in `received` (a tombstone is only allowed for one of those).
 */
export function diffWarehouse(model: ExactnessModel, name: string, rows: WarehouseRow[], ids: VersionIds, received: Set<string>): string[] {
  const problems: string[] = [];
  const { live, tombstones } = model.expected(name);
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row.eventId, (counts.get(row.eventId) ?? 0) + 1);
  for (const [id, n] of counts) if (n > 1) problems.push(`event_id ${id} appears ${n} times`);

  const liveRows = new Map<ModelEvent, string[]>();
  for (const row of rows.filter((r) => r.eventType !== null)) {
    const event = row.marker === null ? undefined : model.byMarker.get(row.marker);
    if (!event) {
      problems.push(`live row ${row.eventId} (${row.eventType}) carries no known marker (${row.marker})`);
      continue;
    }
    liveRows.set(event, [...(liveRows.get(event) ?? []), row.eventId]);
    const expected = live.get(event);
    if (!expected) {
      problems.push(`${describe(event)}: live row ${row.eventId}, but it must not be there: ${model.whyAbsent(name, event)}`);
      continue;
    }
    const known = ids.byId.get(row.eventId);
    if (known && known !== expected) {
      problems.push(`${describe(event)}: live row ${row.eventId} is ${known.label}, expected ${expected.label}`);
      continue;
    }
    if (!known) {
      const other = ids.byVersion.get(expected);
      if (other !== undefined) {
        problems.push(
          `${describe(event)}: ${expected.label} was seen as ${other}, here it is live under a new event_id ${row.eventId} (re-emitted though nothing changed?)`,
        );
        continue;
      }
      ids.byVersion.set(expected, row.eventId);
      ids.byId.set(row.eventId, expected);
    }
    const fields: [string, unknown, unknown][] = [
      ['event_type', row.eventType, event.type],
      ['event_time', row.time, event.time],
      ['device_id', row.device, event.device],
      ['session_id', row.session, event.session],
      ['view_id', row.view, event.view],
      ['url', row.url, expected.url],
      ['title', row.title, expected.title],
      ['page_definition_id', row.pageDefinitionId, expected.pageDefinitionId],
    ];
    for (const [field, actual, want] of fields) {
      if (actual !== want)
        problems.push(
          `${describe(event)} ${expected.label} (${row.eventId}): ${field} is ${JSON.stringify(actual)}, expected ${JSON.stringify(want)}`,
        );
    }
  }
  for (const [event, eventIds] of liveRows) {
    if (eventIds.length > 1) problems.push(`${describe(event)}: live ${eventIds.length} times (${eventIds.join(', ')})`);
  }
  for (const [event, version] of live) {
    if (!liveRows.has(event))
      problems.push(
        `${describe(event)}: no live row, expected ${version.label}${ids.byVersion.has(version) ? ` (${ids.byVersion.get(version)})` : ''}`,
      );
  }

  const seenTombstones = new Set<ModelVersion>();
  for (const row of rows.filter((r) => r.eventType === null)) {
    const version = ids.byId.get(row.eventId);
    if (!row.propertiesNull) problems.push(`tombstone ${row.eventId} has event_properties`);
    if (!received.has(row.eventId)) {
      problems.push(`tombstone ${row.eventId}${version ? ` (${version.label})` : ''} for a row this destination never received`);
      continue;
    }
    if (!version) {
      problems.push(`tombstone ${row.eventId} of a live row that must never have been there`);
      continue;
    }
    seenTombstones.add(version);
    if (!tombstones.has(version)) problems.push(`tombstone ${row.eventId} of ${version.label}, which must still be live`);
  }
  for (const version of tombstones) {
    if (!seenTombstones.has(version)) problems.push(`missing tombstone of ${version.label} (${ids.byVersion.get(version)})`);
  }
  for (const row of rows) if (row.eventType !== null) received.add(row.eventId);
  return problems;
}

function describe(event: ModelEvent): string {
  return `${event.marker} (${event.type}, device ${event.device} view ${event.view}, captured at step ${event.capturedAt})`;
}
