import { pgErrorCode, type Database } from '../db/client.ts';
import {
  findLiveDedupKeys,
  findStoredEventIds,
  insertEventRows,
  liveRowsAfter,
  lockViewStates,
  navigateContextBefore,
  saveViewStates,
  tombstoneRows,
  touchSessions,
  upsertUsers,
  viewKeyOf,
  type NewRowRecord,
  type StoredRowRecord,
  type UserUpsert,
  type ViewState,
} from '../db/queries/event-store.ts';
import { buildRow, capturedFromStored, createSourceJson, type ProcessedRow } from './build-row.ts';
import type { CapturedElement, CapturedEvent } from './captured-event.ts';
import type { Enrichment, EnrichmentSource } from './enrichment.ts';
import { microsToIso } from './time.ts';
import type { UrlParts } from './url.ts';

export interface WriteResult {
  /** Events stored now; replays of events already stored are not counted. */
  stored: number;
  /** Replays of client events already stored (accepted, stored once). */
  duplicates: number;
  /** Events re-emitted because a late event arrived before them in their view. */
  reemitted: number;
}

interface Pending {
  events: CapturedEvent[];
  resolve: (result: WriteResult) => void;
  reject: (error: unknown) => void;
}

const byViewOrder = (a: CapturedEvent, b: CapturedEvent) => a.eventTimeMicros - b.eventTimeMicros || a.seq - b.seq;
const isAfter = (e: CapturedEvent, micros: number | null, seq: number | null) =>
  micros === null || e.eventTimeMicros > micros || (e.eventTimeMicros === micros && e.seq > (seq ?? -1));
const RETRYABLE_PG_CODES = new Set(['40001', '40P01']);

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
  maxEventsPerFlush?: number;
  /** Flushes in flight at once: while one waits on Postgres the next is prepared (1 on PGlite). */
  concurrentFlushes?: number;
}) {
  const maxEvents = deps.maxEventsPerFlush ?? 5_000;
  const maxFlushes = deps.concurrentFlushes ?? (deps.db.kind === 'pglite' ? 1 : 2);
  const queue: Pending[] = [];
  const inFlight = new Set<Promise<void>>();

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
      const flush = storeWithRetry(deps.db, deps.enrichment, batch.map((p) => p.events))
        .then(
          (results) => batch.forEach((p, i) => p.resolve(results[i]!)),
          (error) => batch.forEach((p) => p.reject(error)),
        )
        .finally(() => {
          inFlight.delete(flush);
          pump();
        });
      inFlight.add(flush);
    }
  }

  return {
    /** Resolves once the events are committed to the event store. */
    write(events: CapturedEvent[]): Promise<WriteResult> {
      if (events.length === 0) return Promise.resolve({ stored: 0, duplicates: 0, reemitted: 0 });
      const done = new Promise<WriteResult>((resolve, reject) => queue.push({ events, resolve, reject }));
      pump();
      return done;
    },
    /** Waits for everything queued so far to be committed. */
    async drain(): Promise<void> {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
export type EventWriter = ReturnType<typeof createEventWriter>;

/**
 * Runs a flush; retries it on deadlock or serialization failure, and once in "skip replays" mode
 * when the optimistic plain insert met a client event stored meanwhile (unique violation).
 */
async function storeWithRetry(db: Database, enrichment: EnrichmentSource, requests: CapturedEvent[][]): Promise<WriteResult[]> {
  let onReplay: 'skip' | 'fail' = 'fail';
  for (let attempt = 1; ; attempt++) {
    try {
      return await processAndStore(db, enrichment, requests, onReplay);
    } catch (error) {
      const code = pgErrorCode(error);
      if (attempt >= 4 || !code) throw error;
      if (code === '23505' && onReplay === 'fail') onReplay = 'skip';
      else if (!RETRYABLE_PG_CODES.has(code)) throw error;
    }
  }
}

/**
 * One flush: every request's events are processed together in one transaction. Returns one
 * result per request, in order.
 */
async function processAndStore(
  db: Database,
  enrichmentOf: EnrichmentSource,
  requests: CapturedEvent[][],
  onReplay: 'skip' | 'fail',
): Promise<WriteResult[]> {
  const orgIds = new Set(requests.flat().map((e) => e.orgId));
  const enrichments = new Map<string, Enrichment>();
  for (const orgId of orgIds) enrichments.set(orgId, await enrichmentOf(orgId));

  return db.transaction(async (tx) => {
    const results = requests.map(() => ({ stored: 0, duplicates: 0, reemitted: 0 }));
    // The same client event twice in one flush (a beacon racing its fetch): keep the first.
    const seen = new Set<string>();
    const unique: { event: CapturedEvent; request: number }[] = [];
    requests.forEach((events, request) => {
      for (const event of events) {
        const key = `${event.orgId}/${event.dedupKey}`;
        if (seen.has(key)) results[request]!.duplicates++;
        else {
          seen.add(key);
          unique.push({ event, request });
        }
      }
    });

    const viewKeys = new Map<string, { orgId: string; viewId: string }>();
    for (const { event } of unique) {
      if (event.viewId) viewKeys.set(viewKeyOf(event.orgId, event.viewId), { orgId: event.orgId, viewId: event.viewId });
    }
    const views = await lockViewStates(tx, [...viewKeys.values()]);

    // Events at or before their view's processed position are either replays or late events.
    const suspects = unique.filter(({ event }) => {
      const state = event.viewId ? views.get(viewKeyOf(event.orgId, event.viewId)) : undefined;
      return state ? !isAfter(event, state.lastEventMicros, state.lastSeq) : false;
    });
    const replayed = await findLiveDedupKeys(tx, suspects.map(({ event }) => event));
    const fresh = unique.filter(({ event, request }) => {
      if (!replayed.has(`${event.orgId}/${event.dedupKey}`)) return true;
      results[request]!.duplicates++;
      return false;
    });

    const rows: ProcessedRow[] = [];
    const requestOfRow: (number | null)[] = [];
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

    // Events outside any view (server events) need no ordering.
    for (const { event, request } of fresh.filter((f) => !f.event.viewId)) {
      rows.push(buildRow(event, { url: event.url, inherited: false }, enrichments.get(event.orgId)!, pageDefinitionOf(event.orgId)));
      requestOfRow.push(request);
    }

    const byView = new Map<string, { event: CapturedEvent; request: number }[]>();
    for (const f of fresh) {
      if (!f.event.viewId) continue;
      const key = viewKeyOf(f.event.orgId, f.event.viewId);
      const list = byView.get(key) ?? [];
      list.push(f);
      byView.set(key, list);
    }

    const tombstones: string[] = [];
    const updatedViews: ViewState[] = [];
    for (const [key, list] of byView) {
      const state = views.get(key)!;
      list.sort((a, b) => byViewOrder(a.event, b.event));
      const first = list[0]!.event;
      let page = state.page;
      let sequence: { event: CapturedEvent; request: number | null }[] = list;
      if (!isAfter(first, state.lastEventMicros, state.lastSeq)) {
        // A late event: re-emit every live row after it, in order, from the page context before it.
        const at = { orgId: state.orgId, viewId: state.viewId, micros: first.eventTimeMicros, seq: first.seq };
        const displaced = (await liveRowsAfter(tx, at)).map(storedToCaptured);
        tombstones.push(...displaced.map((d) => d.eventId));
        page = await navigateContextBefore(tx, at);
        sequence = [...list, ...displaced.map((d) => ({ event: d.event, request: null }))].sort((a, b) =>
          byViewOrder(a.event, b.event),
        );
        results[list[0]!.request]!.reemitted += displaced.length;
      }
      const enrichment = enrichments.get(state.orgId)!;
      const pageOf = pageDefinitionOf(state.orgId);
      for (const { event, request } of sequence) {
        const own = event.url;
        if (own && event.eventType === 'navigate') page = { url: own, title: (event.source.title as string | null | undefined) ?? null };
        const context = own ? { url: own, inherited: false } : { url: page.url as UrlParts | null, inherited: true, title: page.title };
        rows.push(buildRow(event, context, enrichment, pageOf));
        requestOfRow.push(request);
      }
      const last = sequence[sequence.length - 1]!.event;
      const lastIsNewer = isAfter(last, state.lastEventMicros, state.lastSeq);
      updatedViews.push({
        ...state,
        lastEventMicros: lastIsNewer ? last.eventTimeMicros : state.lastEventMicros,
        lastSeq: lastIsNewer ? last.seq : state.lastSeq,
        page,
      });
    }

    await tombstoneRows(tx, tombstones);
    const sources = new Map<string, number>();
    const sourceJson = createSourceJson();
    // The events of a request share one captured time: format it once.
    let lastCaptured: Date | undefined;
    let lastCapturedIso = '';
    const records = rows.map((row) => {
      const text = sourceJson(row);
      let index = sources.get(text);
      if (index === undefined) sources.set(text, (index = sources.size));
      if (row.capturedTime !== lastCaptured) lastCapturedIso = (lastCaptured = row.capturedTime).toISOString();
      return toRecord(row, index, lastCapturedIso);
    });
    // Events outside views (server API) may be idempotent replays: those always take the
    // ON CONFLICT path. Events of views were checked against the store under the view lock.
    const mode = onReplay === 'skip' || rows.some((r) => !r.viewId) ? 'skip' : 'fail';
    // Sent together, the driver pipelines these on the transaction's connection. The insert goes
    // alone afterwards: nothing may be sent on a connection while its COPY is in progress.
    await Promise.all([saveViewStates(tx, updatedViews), touchSessions(tx, sessionsOf(rows)), upsertUsers(tx, usersOf(rows))]);
    const inserted = await insertEventRows(tx, records, [...sources.keys()], mode);

    // The insert skips replays that raced another writer (rare): find which rows really landed.
    const landed = inserted === rows.length ? null : await findStoredEventIds(tx, rows.map((r) => r.eventId));
    rows.forEach((row, i) => {
      const request = requestOfRow[i];
      if (request === null || request === undefined) return;
      if (!landed || landed.has(row.eventId)) results[request]!.stored++;
      else results[request]!.duplicates++;
    });
    return results;
  });
}

function storedToCaptured(r: StoredRowRecord): { eventId: string; event: CapturedEvent } {
  return {
    eventId: r.event_id,
    event: capturedFromStored({
      orgId: r.org_id,
      dedupKey: r.dedup_key,
      seq: Number(r.seq),
      deviceId: r.device_id,
      sessionId: r.session_id,
      viewId: r.view_id,
      eventTimeMicros: Number(r.micros),
      capturedTime: new Date(r.captured_time),
      eventType: r.event_type,
      eventProperties: r.event_properties,
      sourceType: r.source_type,
      sourceProperties: r.source_properties,
      urlInherited: r.url_inherited,
      targetPath: (r.target_path as CapturedElement[] | null) ?? null,
    }),
  };
}

function toRecord(row: ProcessedRow, source: number, capturedIso: string): NewRowRecord {
  return {
    event_id: row.eventId,
    org_id: row.orgId,
    dedup_key: row.dedupKey,
    seq: row.seq,
    device_id: row.deviceId,
    session_id: row.sessionId,
    view_id: row.viewId,
    event_time: microsToIso(row.eventTimeMicros),
    captured_time: capturedIso,
    event_type: row.eventType,
    event_properties: row.eventProperties,
    source_type: row.sourceType,
    source,
    url_inherited: row.urlInherited,
    target_path: row.targetPath,
  };
}

function sessionsOf(rows: ProcessedRow[]) {
  const latest = new Map<string, { orgId: string; deviceId: string; sessionId: string; last: Date }>();
  for (const row of rows) {
    if (!row.sessionId) continue;
    const key = `${row.orgId}/${row.deviceId}/${row.sessionId}`;
    const prev = latest.get(key);
    if (!prev) latest.set(key, { orgId: row.orgId, deviceId: row.deviceId, sessionId: row.sessionId, last: row.capturedTime });
    else if (prev.last < row.capturedTime) prev.last = row.capturedTime;
  }
  return [...latest.values()].map(({ last, ...s }) => ({ ...s, lastEventTime: last.toISOString() }));
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
