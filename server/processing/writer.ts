import { pgErrorCode, type Database } from '../db/client.ts';
import {
  findLiveDedupKeys,
  lockIdentities,
  inheritingRowsBetween,
  insertEventRows,
  liveNavigatesAfter,
  lockViewStates,
  navigateContextBefore,
  saveViewStates,
  tombstoneRows,
  touchSessions,
  upsertUsers,
  viewKeyOf,
  type PageContext,
  type SessionSpan,
  type UserUpsert,
  type ViewPosition,
  type ViewKey,
  type ViewState,
} from '../db/queries/event-store.ts';
import { buildRow, capturedFromStored, createSourceJson, type ProcessedRow } from './build-row.ts';
import type { CapturedEvent } from '../events/captured-event.ts';
import { countDroppedEvents, findDeletedDevices, upsertUserDevices } from '../db/queries/deletions.ts';
import type { EventPartitions } from '../lifecycle/partitions.ts';
import type { Enrichment, EnrichmentSource } from '../events/enrichment.ts';
import type { UrlParts } from '../events/url.ts';

/**
 * Most rows one request may make the store rewrite (re-emitted rows after its late navigates).
 * A late navigate whose re-emission would pass it is stored, but the rows after it keep their
 * page (`notReordered`). Documented in docs/warehouse-schema.md.
 */
export const MAX_REEMITTED_ROWS_PER_REQUEST = 2_000;

export interface WriteResult {
  /** Events stored now; replays of events already stored are not counted. */
  stored: number;
  /** Replays of client events already stored (accepted, stored once). */
  duplicates: number;
  /** Rows written again under a new event_id because a late navigate changed their page. */
  reemitted: number;
  /** Positions (in the request's list) of late navigates stored without re-emitting what follows them. */
  notReordered: number[];
  /** Events the store could not hold (positions in the request's list); the rest is stored. */
  rejected: { position: number; code: string; message: string }[];
  /** Events of devices whose data was deleted (the deleted past, or all with `suppress`): dropped, counted on the request. */
  dropped: number;
}

const emptyResult = (): WriteResult => ({ stored: 0, duplicates: 0, reemitted: 0, notReordered: [], rejected: [], dropped: 0 });

interface Pending {
  events: CapturedEvent[];
  resolve: (result: WriteResult) => void;
  reject: (error: unknown) => void;
}

const byViewOrder = (a: CapturedEvent, b: CapturedEvent) => a.eventTimeMicros - b.eventTimeMicros || a.seq - b.seq;
const isAfter = (e: CapturedEvent, micros: number | null, seq: number | null) =>
  micros === null || e.eventTimeMicros > micros || (e.eventTimeMicros === micros && e.seq > (seq ?? -1));
const positionOf = (e: CapturedEvent): ViewPosition => ({ micros: e.eventTimeMicros, seq: e.seq });
const precedes = (a: ViewPosition, b: ViewPosition) => a.micros < b.micros || (a.micros === b.micros && a.seq < b.seq);
const RETRYABLE_PG_CODES = new Set(['40001', '40P01']);
/**
 * SQLSTATE classes that blame the data of a statement (22 data exception, 54 program limit
 * exceeded such as an oversized value): the flush is split to find the events at fault.
 */
const isDataError = (code: string | undefined) => code !== undefined && (code.startsWith('22') || code.startsWith('54'));

/**
 * Processes captured events and writes them to the event store with group commit: while one
 * transaction runs, new requests queue up, and the next transaction takes all of them. Throughput
 * comes from few large statements, not from many small ones. A few flushes run at once so Postgres
 * works on one while the next is prepared; flushes (of this process or of other server instances)
 * serialise per view through row locks on view_states, taken in sorted order so they never deadlock.
 */
export function createEventWriter(deps: {
  db: Database;
  enrichment: EnrichmentSource;
  /** The store's daily partitions: each flush makes sure its capture days have one. */
  partitions: EventPartitions;
  maxEventsPerFlush?: number;
  /** Flushes in flight at once: while one waits on Postgres the next is prepared (1 on PGlite). */
  concurrentFlushes?: number;
  /** Told of every flush: its events and its time from start to commit (or failure), in seconds. */
  onFlush?: (events: number, seconds: number) => void;
}) {
  const maxEvents = deps.maxEventsPerFlush ?? 5_000;
  const maxFlushes = deps.concurrentFlushes ?? (deps.db.kind === 'pglite' ? 1 : 2);
  const queue: Pending[] = [];
  const inFlight = new Set<Promise<void>>();
  const stats = { lateBeyondRetention: 0 };

  function takeBatch(): Pending[] {
    const batch: Pending[] = [];
    let count = 0;
    while (queue.length > 0 && (batch.length === 0 || count + queue[0]!.events.length <= maxEvents)) {
      const next = queue.shift()!;
      batch.push(next);
      count += next.events.length;
    }
    return batch;
  }

  function pump(): void {
    while (queue.length > 0 && inFlight.size < maxFlushes) {
      const batch = takeBatch();
      const requests = batch.map((p) => p.events);
      const started = performance.now();
      const flush = storeIsolated(deps, requests)
        .then((results) => {
          stats.lateBeyondRetention += countBeyondRetention(requests, deps.partitions.oldestRetained());
          return results;
        })
        .then(
          (results) => batch.forEach((p, i) => (results[i] instanceof Error ? p.reject(results[i]) : p.resolve(results[i] as WriteResult))),
          (error) => batch.forEach((p) => p.reject(error)),
        )
        .finally(() => {
          deps.onFlush?.(
            requests.reduce((n, r) => n + r.length, 0),
            (performance.now() - started) / 1000,
          );
          inFlight.delete(flush);
          pump();
        });
      inFlight.add(flush);
    }
  }

  return {
    /** Resolves once the events are committed to the event store. */
    write(events: CapturedEvent[]): Promise<WriteResult> {
      if (events.length === 0) return Promise.resolve(emptyResult());
      const done = new Promise<WriteResult>((resolve, reject) => queue.push({ events, resolve, reject }));
      pump();
      return done;
    },
    /**
     * Late events timed before the oldest capture day the store still holds: stored, but ordered
     * only against the rows retention kept (docs/warehouse-schema.md). Read and reset by the
     * retention pass, which logs them.
     */
    takeLateBeyondRetention(): number {
      const n = stats.lateBeyondRetention;
      stats.lateBeyondRetention = 0;
      return n;
    },
    /** Waits for everything queued so far to be committed. */
    async drain(): Promise<void> {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
export type EventWriter = ReturnType<typeof createEventWriter>;

/** Events of views timed before the oldest capture time the store holds (an upper bound of the late ones among them). */
function countBeyondRetention(requests: CapturedEvent[][], oldest: number | null): number {
  if (oldest === null) return 0;
  let n = 0;
  for (const events of requests) for (const e of events) if (e.viewId && e.eventTimeMicros < oldest * 1000) n++;
  return n;
}

/**
 * Runs a flush so that one request's bad data never fails another request (README.md, "Limits and bad input"): when
 * Postgres refuses the data of a flush, its requests are stored one by one, and a request that
 * still fails is split in halves until the events at fault stand alone; those are rejected with
 * `EVENT_NOT_STORABLE`, everything else is stored. Other errors (the store is down) fail the
 * whole flush. Returns one result, or the error that failed it, per request.
 */
async function storeIsolated(store: Store, requests: CapturedEvent[][]): Promise<(WriteResult | Error)[]> {
  try {
    return await storeWithRetry(store, requests);
  } catch (error) {
    if (!isDataError(pgErrorCode(error))) throw error;
    if (requests.length > 1) {
      const results: (WriteResult | Error)[] = [];
      for (const request of requests) results.push(...(await storeIsolated(store, [request])));
      return results;
    }
    return [await storeBisected(store, requests[0]!, 0)];
  }
}

/** Stores one request's events in halves around the ones Postgres refuses (positions offset by `offset`). */
async function storeBisected(store: Store, events: CapturedEvent[], offset: number): Promise<WriteResult> {
  if (events.length === 1) {
    return {
      ...emptyResult(),
      rejected: [{ position: offset, code: 'EVENT_NOT_STORABLE', message: 'the event holds a value the store cannot hold' }],
    };
  }
  const half = Math.ceil(events.length / 2);
  const parts: WriteResult[] = [];
  for (const [part, start] of [
    [events.slice(0, half), 0],
    [events.slice(half), half],
  ] as const) {
    try {
      const [result] = await storeWithRetry(store, [part]);
      parts.push(shift(result!, offset + start));
    } catch (error) {
      if (!isDataError(pgErrorCode(error))) throw error;
      parts.push(await storeBisected(store, part, offset + start));
    }
  }
  return parts.reduce((a, b) => ({
    stored: a.stored + b.stored,
    duplicates: a.duplicates + b.duplicates,
    reemitted: a.reemitted + b.reemitted,
    dropped: a.dropped + b.dropped,
    notReordered: [...a.notReordered, ...b.notReordered],
    rejected: [...a.rejected, ...b.rejected],
  }));
}

const shift = (r: WriteResult, by: number): WriteResult => ({
  ...r,
  notReordered: r.notReordered.map((p) => p + by),
  rejected: r.rejected.map((x) => ({ ...x, position: x.position + by })),
});

/**
 * Runs a flush; retries it on deadlock or serialization failure. The partitions of the capture
 * days come first (DDL, outside the flush's transaction; answered from memory on most days).
 */
async function storeWithRetry(store: Store, requests: CapturedEvent[][]): Promise<WriteResult[]> {
  await store.partitions.cover(requests.flatMap((events) => events.map((e) => e.capturedTime.getTime())));
  for (let attempt = 1; ; attempt++) {
    try {
      return await processAndStore(store.db, store.enrichment, requests);
    } catch (error) {
      const code = pgErrorCode(error);
      if (attempt >= 4 || !code || !RETRYABLE_PG_CODES.has(code)) throw error;
    }
  }
}

/** What a flush writes with. */
interface Store {
  db: Database;
  enrichment: EnrichmentSource;
  partitions: EventPartitions;
}

/** A client event of a flush, with the request it came in and its place in that request. */
interface Incoming {
  event: CapturedEvent;
  request: number;
  position: number;
}

/** What ordering one view's new events gave: rows to write, rows to tombstone, its new state. */
interface OrderedView {
  rows: { row: ProcessedRow; request: number | null }[];
  tombstones: string[];
  state: ViewState;
}

/**
 * One flush: every request's events are processed together in one transaction. Returns one
 * result per request, in order.
 */
async function processAndStore(db: Database, enrichmentOf: EnrichmentSource, requests: CapturedEvent[][]): Promise<WriteResult[]> {
  const build = createRowBuilder(await enrichmentsOf(enrichmentOf, requests));
  return db.transaction(async (tx) => {
    const results = requests.map(emptyResult);
    const unique = await dropDeletedDevices(tx, dropRepeatsInFlush(requests, results), results);
    const views = await lockViewStates(tx, viewKeysOf(unique));
    const fresh = await dropReplays(tx, unique, views, results);
    const ordered = await orderRows(tx, fresh, views, build, { budget: requests.map(() => MAX_REEMITTED_ROWS_PER_REQUEST), results });
    await writeRows(tx, ordered);
    for (const { request } of ordered.rows) if (request !== null) results[request]!.stored++;
    return results;
  });
}

/** The enrichment of every organization of the flush, loaded before its transaction. */
async function enrichmentsOf(enrichmentOf: EnrichmentSource, requests: CapturedEvent[][]): Promise<Map<string, Enrichment>> {
  const enrichments = new Map<string, Enrichment>();
  for (const orgId of new Set(requests.flat().map((e) => e.orgId))) enrichments.set(orgId, await enrichmentOf(orgId));
  return enrichments;
}

/** The same client event twice in one flush (a beacon racing its fetch): the first is kept, the others counted as duplicates. */
function dropRepeatsInFlush(requests: CapturedEvent[][], results: WriteResult[]): Incoming[] {
  const seen = new Set<string>();
  const unique: Incoming[] = [];
  requests.forEach((events, request) => {
    events.forEach((event, position) => {
      const key = `${event.orgId}/${event.dedupKey}`;
      if (seen.has(key)) results[request]!.duplicates++;
      else {
        seen.add(key);
        unique.push({ event, request, position });
      }
    });
  });
  return unique;
}

/**
 * Devices whose data was deleted: their past never comes back (replays, late events), and with
 * `suppress` nothing of theirs is stored again. Dropped events are counted on their request and
 * on the deletion request.
 */
async function dropDeletedDevices(tx: Database, unique: Incoming[], results: WriteResult[]): Promise<Incoming[]> {
  const deleted = await findDeletedDevices(tx, [
    ...new Map(unique.map(({ event }) => [`${event.orgId}/${event.deviceId}`, event])).values(),
  ]);
  if (deleted.size === 0) return unique;
  const droppedBy = new Map<string, number>();
  const kept = unique.filter(({ event, request }) => {
    const d = deleted.get(`${event.orgId}/${event.deviceId}`);
    if (!d || (!d.suppress && event.eventTimeMicros >= d.deletedBefore.getTime() * 1000)) return true;
    results[request]!.dropped++;
    droppedBy.set(d.requestId, (droppedBy.get(d.requestId) ?? 0) + 1);
    return false;
  });
  await countDroppedEvents(tx, droppedBy);
  return kept;
}

function viewKeysOf(incoming: Incoming[]): ViewKey[] {
  const keys = new Map<string, ViewKey>();
  for (const { event } of incoming) {
    if (event.viewId) keys.set(viewKeyOf(event.orgId, event.viewId), { orgId: event.orgId, viewId: event.viewId });
  }
  return [...keys.values()];
}

/**
 * Replays of client events already stored, dropped and counted as duplicates. The store keeps a
 * client event once; no index can say so (a unique index of the partitioned store would have to
 * hold the capture day), so the writer checks under a lock. Events of a view: under the view's
 * lock, and only those at or before its processed position can be replays (or late). Events
 * outside views: under advisory locks of their identities.
 */
async function dropReplays(tx: Database, unique: Incoming[], views: Map<string, ViewState>, results: WriteResult[]): Promise<Incoming[]> {
  await lockIdentities(
    tx,
    unique.filter(({ event }) => !event.viewId).map(({ event }) => event),
  );
  const suspects = unique.filter(({ event }) => {
    if (!event.viewId) return true;
    const state = views.get(viewKeyOf(event.orgId, event.viewId))!;
    return !isAfter(event, state.lastEventMicros, state.lastSeq);
  });
  const replayed = await findLiveDedupKeys(
    tx,
    suspects.map(({ event }) => event),
  );
  return unique.filter(({ event, request }) => {
    if (!replayed.has(`${event.orgId}/${event.dedupKey}`)) return true;
    results[request]!.duplicates++;
    return false;
  });
}

/** Builds rows with the flush's enrichments; a page's definition is matched once per URL and organization. */
function createRowBuilder(enrichments: Map<string, Enrichment>): BuildRow {
  const pageCache = new Map<string, Map<string, string | null>>();
  const pageDefinitionOf = (orgId: string) => {
    let cache = pageCache.get(orgId);
    if (!cache) pageCache.set(orgId, (cache = new Map()));
    const enrichment = enrichments.get(orgId)!;
    return (url: UrlParts) => {
      let id = cache!.get(url.full_url);
      if (id === undefined) cache!.set(url.full_url, (id = enrichment.page(url)));
      return id;
    };
  };
  return (event, page) => {
    const context =
      event.url || !page ? { url: event.url, inherited: false } : { url: page.url as UrlParts | null, inherited: true, title: page.title };
    return buildRow(event, context, enrichments.get(event.orgId)!, pageDefinitionOf(event.orgId));
  };
}

/** What a flush writes: rows (with their request; null for re-emitted rows), rows to tombstone, the views' new states. */
interface OrderedFlush {
  rows: { row: ProcessedRow; request: number | null }[];
  tombstones: string[];
  views: ViewState[];
}

/**
 * The rows of the fresh events in their page context: events outside any view (server events)
 * need no ordering; each view's events are appended after its processed position, or, when some
 * are late, inserted with the re-emissions that follow (`insertIntoView`).
 */
async function orderRows(
  tx: Database,
  fresh: Incoming[],
  views: Map<string, ViewState>,
  build: BuildRow,
  bound: { budget: number[]; results: WriteResult[] },
): Promise<OrderedFlush> {
  const flush: OrderedFlush = { rows: [], tombstones: [], views: [] };
  for (const { event, request } of fresh) if (!event.viewId) flush.rows.push({ row: build(event, null), request });

  const byView = new Map<string, Incoming[]>();
  for (const f of fresh) {
    if (!f.event.viewId) continue;
    const key = viewKeyOf(f.event.orgId, f.event.viewId);
    const list = byView.get(key) ?? [];
    list.push(f);
    byView.set(key, list);
  }
  for (const [key, list] of byView) {
    const state = views.get(key)!;
    list.sort((a, b) => byViewOrder(a.event, b.event));
    const ordered = isAfter(list[0]!.event, state.lastEventMicros, state.lastSeq)
      ? appendToView(state, list, build)
      : await insertIntoView(tx, state, list, build, bound);
    flush.rows.push(...ordered.rows);
    flush.tombstones.push(...ordered.tombstones);
    const seen = Math.max(...list.map(({ event }) => event.capturedTime.getTime()));
    flush.views.push({ ...ordered.state, seen: new Date(seen).toISOString() });
  }
  return flush;
}

/**
 * Writes a flush: tombstones first, then view states, sessions, users and user devices sent
 * together (the driver pipelines them on the transaction's connection), then the rows alone:
 * nothing may be sent on a connection while its COPY is in progress. Re-emitted rows say
 * nothing new of sessions and users (an old identify must not move a user back).
 */
async function writeRows(tx: Database, flush: OrderedFlush): Promise<void> {
  await tombstoneRows(tx, flush.tombstones);
  const sources = new Map<string, number>();
  const sourceJson = createSourceJson();
  const records = flush.rows.map(({ row }) => {
    const text = sourceJson(row);
    let sourceIndex = sources.get(text);
    if (sourceIndex === undefined) sources.set(text, (sourceIndex = sources.size));
    return { row, sourceIndex };
  });
  const newRows = flush.rows.flatMap(({ row, request }) => (request === null ? [] : [row]));
  await Promise.all([
    saveViewStates(tx, flush.views),
    touchSessions(tx, sessionsOf(newRows)),
    upsertUsers(tx, usersOf(newRows)),
    upsertUserDevices(tx, userDevicesOf(newRows)),
  ]);
  await insertEventRows(tx, records, [...sources.keys()]);
}

type BuildRow = (event: CapturedEvent, page: PageContext | null) => ProcessedRow;

/** New events all after the view's processed position: each takes the page of the latest navigate before it. */
function appendToView(state: ViewState, list: Incoming[], build: BuildRow): OrderedView {
  let page = state.page;
  const rows = list.map(({ event, request }) => {
    if (event.url && event.eventType === 'navigate')
      page = { url: event.url, title: (event.source.title as string | null | undefined) ?? null };
    return { row: build(event, page), request };
  });
  const last = list[list.length - 1]!.event;
  return { rows, tombstones: [], state: { ...state, lastEventMicros: last.eventTimeMicros, lastSeq: last.seq, page } };
}

const urlOf = (page: PageContext) => ((page.url as { full_url?: unknown } | null)?.full_url as string | undefined) ?? null;
const samePage = (a: PageContext, b: PageContext) => urlOf(a) === urlOf(b) && (a.title ?? null) === (b.title ?? null);

/**
 * New events of which some come before events of the view already processed (late events,
 * docs/definitions.md). Each new event takes the page of the latest navigate before it. A late
 * navigate changes the page of the stored rows after it that took theirs from a navigate, up to
 * the next navigate: those whose page (URL or title) really changes are re-emitted under a new
 * event_id and their old rows become tombstones. Nothing else is rewritten, so a late click,
 * custom event or identify writes one row. The rows re-emitted for one request are bounded by
 * MAX_REEMITTED_ROWS_PER_REQUEST; past it, the late navigates of that view are stored without
 * re-emitting what follows them, and reported in `notReordered`.
 */
async function insertIntoView(
  tx: Database,
  state: ViewState,
  list: Incoming[],
  build: BuildRow,
  bound: { budget: number[]; results: WriteResult[] },
): Promise<OrderedView> {
  const view = { orgId: state.orgId, viewId: state.viewId };
  const first = positionOf(list[0]!.event);
  const [storedNavigates, pageBefore] = await Promise.all([liveNavigatesAfter(tx, view, first), navigateContextBefore(tx, view, first)]);
  const isLate = (e: CapturedEvent) => !isAfter(e, state.lastEventMicros, state.lastSeq);
  const navigates = [
    ...storedNavigates.map((n) => ({ position: n as ViewPosition, page: n.page, late: null as Incoming | null })),
    ...list
      .filter(({ event }) => event.eventType === 'navigate' && event.url)
      .map((incoming) => ({
        position: positionOf(incoming.event),
        page: { url: incoming.event.url, title: (incoming.event.source.title as string | null | undefined) ?? null } as PageContext,
        late: isLate(incoming.event) ? incoming : null,
      })),
  ].sort((a, b) => (precedes(a.position, b.position) ? -1 : precedes(b.position, a.position) ? 1 : 0));
  /** The page of the latest navigate strictly before a position. */
  const pageAt = (at: ViewPosition): PageContext => {
    let page = pageBefore;
    for (const n of navigates) {
      if (!precedes(n.position, at)) break;
      page = n.page;
    }
    return page;
  };

  // The stretches a late navigate governs: from it to the next navigate.
  const stretches = navigates.flatMap((n, i) => (n.late ? [{ from: n.position, to: navigates[i + 1]?.position ?? null }] : []));
  const lateNavigates = navigates.flatMap((n) => (n.late ? [n.late] : []));
  const charged = lateNavigates[0]?.request;
  const displaced: { eventId: string; event: CapturedEvent; page: PageContext }[] = [];
  if (charged !== undefined) {
    const budget = bound.budget[charged]!;
    const candidates = await inheritingRowsBetween(tx, view, stretches, budget + 1);
    if (candidates.length > budget) {
      for (const n of lateNavigates) bound.results[n.request]!.notReordered.push(n.position);
    } else {
      for (const stored of candidates) {
        const event = capturedFromStored(stored);
        const page = pageAt(positionOf(event));
        const storedPage = {
          url: stored.sourceProperties.url ?? null,
          title: (stored.sourceProperties.title as string | null | undefined) ?? null,
        };
        if (!samePage(page, storedPage)) displaced.push({ eventId: stored.eventId, event, page });
      }
      bound.budget[charged] = budget - displaced.length;
      bound.results[charged]!.reemitted += displaced.length;
    }
  }

  // Rows in view order, so event ids keep the view's order among the rows of this flush.
  const sequence = [
    ...list.map(({ event, request }) => ({ event, request: request as number | null, page: null as PageContext | null })),
    ...displaced.map(({ event, page }) => ({ event, request: null, page })),
  ].sort((a, b) => byViewOrder(a.event, b.event));
  const rows = sequence.map(({ event, request, page }) => ({ row: build(event, page ?? pageAt(positionOf(event))), request }));
  const last = list[list.length - 1]!.event;
  const lastIsNewer = isAfter(last, state.lastEventMicros, state.lastSeq);
  return {
    rows,
    tombstones: displaced.map((d) => d.eventId),
    state: {
      ...state,
      lastEventMicros: lastIsNewer ? last.eventTimeMicros : state.lastEventMicros,
      lastSeq: lastIsNewer ? last.seq : state.lastSeq,
      page: navigates.length > 0 ? navigates[navigates.length - 1]!.page : state.page,
    },
  };
}

function sessionsOf(rows: ProcessedRow[]) {
  const spans = new Map<string, SessionSpan>();
  for (const row of rows) {
    if (!row.sessionId || row.eventType === null) continue;
    const key = `${row.orgId}/${row.deviceId}/${row.sessionId}`;
    const span = spans.get(key);
    if (!span)
      spans.set(key, {
        orgId: row.orgId,
        deviceId: row.deviceId,
        sessionId: row.sessionId,
        firstMicros: row.eventTimeMicros,
        lastMicros: row.eventTimeMicros,
      });
    else {
      span.firstMicros = Math.min(span.firstMicros, row.eventTimeMicros);
      span.lastMicros = Math.max(span.lastMicros, row.eventTimeMicros);
    }
  }
  return [...spans.values()];
}

/** Every (user, device) pair identify rows join, for deletion requests by user. */
function userDevicesOf(rows: ProcessedRow[]) {
  const pairs = new Map<string, { orgId: string; uid: string; deviceId: string; seen: string }>();
  for (const row of rows) {
    const uid = row.eventType === 'identify' ? row.eventProperties.user_id : undefined;
    if (typeof uid !== 'string' || uid === '') continue;
    pairs.set(`${row.orgId}/${uid}/${row.deviceId}`, {
      orgId: row.orgId,
      uid,
      deviceId: row.deviceId,
      seen: row.capturedTime.toISOString(),
    });
  }
  return [...pairs.values()];
}

function usersOf(rows: ProcessedRow[]): UserUpsert[] {
  const byUser = new Map<string, UserUpsert>();
  for (const row of rows) {
    if (row.eventType !== 'identify') continue;
    const p = row.eventProperties;
    if (typeof p.user_id !== 'string' || p.user_id === '') continue;
    const key = `${row.orgId}/${p.user_id}`;
    const prev = byUser.get(key);
    byUser.set(key, {
      orgId: row.orgId,
      uid: p.user_id,
      deviceId: row.deviceId,
      displayName: typeof p.user_display_name === 'string' ? p.user_display_name : (prev?.displayName ?? null),
      email: typeof p.user_email === 'string' ? p.user_email : (prev?.email ?? null),
      properties: { ...prev?.properties, ...((p.user_properties as Record<string, unknown>) ?? {}) },
    });
  }
  return [...byUser.values()];
}
