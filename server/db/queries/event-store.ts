import { sql } from 'drizzle-orm';
import { copyTextValue } from '@tributary/destination-sdk';
import type { CapturedElement, CapturedEvent } from '../../events/captured-event.ts';
import { microsToIso } from '../../events/time.ts';
import type { Database } from '../client.ts';

/**
 * The write side of the event store, used by processing inside one transaction per flush.
 * Batches travel as one JSON parameter expanded with json_to_recordset: one statement per
 * flush whatever its size, and values are always data, never SQL text.
 */

export interface ViewKey {
  orgId: string;
  viewId: string;
}

/** The page events without a URL of their own belong to: the view's latest navigate. */
export interface PageContext {
  url: unknown;
  title: string | null;
}

export interface ViewState extends ViewKey {
  lastEventMicros: number | null;
  lastSeq: number | null;
  page: PageContext;
  /** Capture time of the view's latest request (ISO), when this flush saw it. */
  seen?: string;
}

export const viewKeyOf = (orgId: string, viewId: string) => `${orgId}/${viewId}`;

/** Creates missing view states and locks all of them (sorted, so two writers never deadlock). */
export async function lockViewStates(tx: Database, keys: ViewKey[]): Promise<Map<string, ViewState>> {
  const states = new Map<string, ViewState>();
  if (keys.length === 0) return states;
  const sorted = [...keys].sort((a, b) => (a.orgId + a.viewId.padStart(20, '0') < b.orgId + b.viewId.padStart(20, '0') ? -1 : 1));
  const input = JSON.stringify(sorted.map((k) => ({ org_id: k.orgId, view_id: k.viewId })));
  const rows = await tx.rows<{
    org_id: string;
    view_id: string;
    m: string | null;
    s: string | null;
    ctx: { url?: unknown; title?: string | null } | null;
  }>(sql`
    insert into view_states (org_id, view_id)
    select x.org_id, x.view_id from json_to_recordset(${input}::json) as x(org_id uuid, view_id bigint)
    on conflict (org_id, view_id) do update set org_id = excluded.org_id
    returning org_id::text, view_id::text, last_event_micros::text as m, last_seq::text as s, page_context as ctx`);
  for (const r of rows) {
    states.set(viewKeyOf(r.org_id, r.view_id), {
      orgId: r.org_id,
      viewId: r.view_id,
      lastEventMicros: r.m === null ? null : Number(r.m),
      lastSeq: r.s === null ? null : Number(r.s),
      page: { url: r.ctx?.url ?? null, title: r.ctx?.title ?? null },
    });
  }
  return states;
}

export async function saveViewStates(tx: Database, states: ViewState[]): Promise<void> {
  if (states.length === 0) return;
  const input = JSON.stringify(
    states.map((s) => ({ org_id: s.orgId, view_id: s.viewId, m: s.lastEventMicros, s: s.lastSeq, ctx: s.page, seen: s.seen ?? null })),
  );
  await tx.rows(sql`
    update view_states v set last_event_micros = x.m, last_seq = x.s, page_context = x.ctx,
      last_seen_time = greatest(v.last_seen_time, coalesce(x.seen, v.last_seen_time))
    from json_to_recordset(${input}::json) as x(org_id uuid, view_id bigint, m bigint, s bigint, ctx jsonb, seen timestamptz)
    where v.org_id = x.org_id and v.view_id = x.view_id`);
}

/**
 * Serialises writers of the same client events outside views until the transaction ends: an
 * advisory lock per identity bucket (1,024 buckets, so a flush of thousands of server events
 * holds a bounded number of locks), taken in sorted order so two writers never deadlock.
 */
export async function lockIdentities(tx: Database, keys: { orgId: string; dedupKey: string }[]): Promise<void> {
  if (keys.length === 0) return;
  const input = JSON.stringify(keys.map((k) => `${k.orgId}/${k.dedupKey}`));
  await tx.rows(sql`
    select pg_advisory_xact_lock(${IDENTITY_LOCK_CLASS}, bucket)
    from (select distinct (hashtext(value) & 1023) as bucket from json_array_elements_text(${input}::json)) b
    order by bucket`);
}
/** The first key of the two-key advisory locks on client-event identities ("tri" in ASCII). */
const IDENTITY_LOCK_CLASS = 0x747269;

/** Which of these client events already have a live row (replays to drop). */
export async function findLiveDedupKeys(tx: Database, keys: { orgId: string; dedupKey: string }[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const input = JSON.stringify(keys.map((k) => ({ org_id: k.orgId, dedup_key: k.dedupKey })));
  const rows = await tx.rows<{ org_id: string; dedup_key: string }>(sql`
    select e.org_id::text, e.dedup_key
    from json_to_recordset(${input}::json) as x(org_id uuid, dedup_key text)
    join events e on e.org_id = x.org_id and e.dedup_key = x.dedup_key and e.event_type is not null`);
  return new Set(rows.map((r) => `${r.org_id}/${r.dedup_key}`));
}

/** What every row of the store holds besides its `source_properties` (docs/warehouse-schema.md plus the store's own columns). */
export type EventRowCore = Pick<
  CapturedEvent,
  'orgId' | 'dedupKey' | 'seq' | 'deviceId' | 'sessionId' | 'viewId' | 'eventTimeMicros' | 'capturedTime' | 'eventType' | 'sourceType'
> & {
  eventId: string;
  eventProperties: Record<string, unknown>;
  /** The event had no URL of its own and took its page context from the view's latest navigate. */
  urlInherited: boolean;
  targetPath: CapturedElement[] | null;
};

/** A live stored row, as read back for re-emission after a late event. */
export interface StoredEventRow extends EventRowCore {
  sourceProperties: Record<string, unknown>;
}

/** The store's record of a live row, as the query returns it. */
interface StoredRowRecord {
  event_id: string;
  org_id: string;
  dedup_key: string;
  seq: string;
  device_id: string;
  session_id: string | null;
  view_id: string | null;
  micros: string;
  captured_time: Date | string;
  event_type: string;
  event_properties: Record<string, unknown>;
  source_type: CapturedEvent['sourceType'];
  source_properties: Record<string, unknown>;
  url_inherited: boolean;
  target_path: CapturedElement[] | null;
}

const fromStoredRecord = (r: StoredRowRecord): StoredEventRow => ({
  eventId: r.event_id,
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
  targetPath: r.target_path ?? null,
});

/** A position in a view's order: event time (microseconds), then the client's sequence number. */
export interface ViewPosition {
  micros: number;
  seq: number;
}

/** A live navigate of a view: where it is, and the page context it gives the events after it. */
export interface NavigateRecord extends ViewPosition {
  page: PageContext;
}

/** The live navigates of a view strictly after a position, in view order. */
export async function liveNavigatesAfter(tx: Database, view: ViewKey, at: ViewPosition): Promise<NavigateRecord[]> {
  const rows = await tx.rows<{ micros: string; seq: string; url: unknown; title: string | null }>(sql`
    select (extract(epoch from event_time) * 1000000)::int8::text as micros, client_seq::text as seq,
           source_properties -> 'url' as url, source_properties ->> 'title' as title
    from events
    where org_id = ${view.orgId} and view_id = ${view.viewId} and event_type = 'navigate'
      and (event_time, client_seq) > (${microsToIso(at.micros)}::timestamptz, ${at.seq}::int8)
    order by event_time, client_seq`);
  return rows.map((r) => ({ micros: Number(r.micros), seq: Number(r.seq), page: { url: r.url ?? null, title: r.title ?? null } }));
}

/**
 * Live rows of a view that took their page context from a navigate (no URL of their own), inside
 * the given stretches of the view (bounds excluded; `to` null: to the end), in view order, at
 * most `limit`: the rows a late navigate may change.
 */
export async function inheritingRowsBetween(
  tx: Database,
  view: ViewKey,
  stretches: { from: ViewPosition; to: ViewPosition | null }[],
  limit: number,
): Promise<StoredEventRow[]> {
  if (stretches.length === 0) return [];
  const input = JSON.stringify(
    stretches.map((s) => ({
      ft: microsToIso(s.from.micros),
      fs: s.from.seq,
      tt: s.to ? microsToIso(s.to.micros) : null,
      ts: s.to?.seq ?? null,
    })),
  );
  const rows = await tx.rows<StoredRowRecord>(sql`
    select e.event_id, e.org_id::text, e.dedup_key, e.client_seq::text as seq, e.device_id::text, e.session_id::text,
           e.view_id::text, (extract(epoch from e.event_time) * 1000000)::int8::text as micros, e.captured_time,
           e.event_type, e.event_properties, e.source_type, e.source_properties, e.url_inherited, e.target_path
    from json_to_recordset(${input}::json) as s(ft timestamptz, fs int8, tt timestamptz, ts int8)
    join events e on e.org_id = ${view.orgId} and e.view_id = ${view.viewId} and e.event_type is not null
      and (e.event_time, e.client_seq) > (s.ft, s.fs) and (s.tt is null or (e.event_time, e.client_seq) < (s.tt, s.ts))
    where e.url_inherited
    order by e.event_time, e.client_seq
    limit ${limit}`);
  return rows.map(fromStoredRecord);
}

/** The page (URL and title) of the view's latest live navigate strictly before a position. */
export async function navigateContextBefore(tx: Database, view: ViewKey, at: ViewPosition): Promise<PageContext> {
  const rows = await tx.rows<{ url: unknown; title: string | null }>(sql`
    select source_properties -> 'url' as url, source_properties ->> 'title' as title
    from events
    where org_id = ${view.orgId} and view_id = ${view.viewId} and event_type = 'navigate'
      and (event_time, client_seq) < (${microsToIso(at.micros)}::timestamptz, ${at.seq}::int8)
    order by event_time desc, client_seq desc
    limit 1`);
  return { url: rows[0]?.url ?? null, title: rows[0]?.title ?? null };
}

/**
 * Turns rows into tombstones: payload NULL, processed_time moved strictly forward (so a
 * warehouse merge that keeps the newest processed_time takes the tombstone), change_xid renewed
 * (so the next sync sends it).
 */
export async function tombstoneRows(tx: Database, eventIds: string[]): Promise<void> {
  if (eventIds.length === 0) return;
  await tx.rows(sql`
    update events set event_type = null, event_properties = null, source_properties = null,
      processed_time = greatest(statement_timestamp(), processed_time + interval '1 microsecond'),
      change_xid = pg_current_xact_id()
    where event_id in (select value from json_array_elements_text(${JSON.stringify(eventIds)}::json))`);
}

/** A processed row to insert, and its `source_properties`: an index into the flush's distinct texts. */
export interface NewEventRow {
  row: EventRowCore;
  sourceIndex: number;
}

/** JSON text in COPY's text format: JSON.stringify escapes every control character, so only backslashes remain. */
const copyJsonText = (json: string) => (json.includes('\\') ? json.replaceAll('\\', '\\\\') : json);

/**
 * COPY text written straight into a growing Buffer, so a flush never builds (then flattens and
 * re-encodes) a string of several megabytes.
 */
class CopyBuffer {
  private buffer: Buffer;
  private length = 0;

  /** `expectedBytes`: a generous estimate, so the buffer rarely has to grow (each growth copies it). */
  constructor(expectedBytes: number) {
    this.buffer = Buffer.allocUnsafe(Math.max(64 * 1024, expectedBytes));
  }

  /** Text known to be ASCII and free of COPY specials: ids, numbers, timestamps, separators. */
  ascii(text: string): void {
    this.reserve(text.length);
    this.length += this.buffer.write(text, this.length, 'latin1');
  }

  /** Any text, already escaped. */
  utf8(text: string): void {
    this.reserve(text.length * 3);
    this.length += this.buffer.write(text, this.length, 'utf8');
  }

  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
}

const COPY_EVENTS = `copy events (event_id, org_id, dedup_key, client_seq, device_id, session_id, view_id, event_time,
  captured_time, event_type, event_properties, source_type, source_properties, url_inherited, target_path) from stdin`;

/**
 * Inserts processed rows, which the writer checked are new: on an external Postgres with COPY
 * (several times faster than any INSERT), elsewhere with one INSERT. Events of one page share
 * their `source_properties`: in the INSERT form each distinct object travels once per flush
 * (`sources`) and rows point at it by index.
 */
export async function insertEventRows(tx: Database, rows: NewEventRow[], sources: string[]): Promise<void> {
  if (rows.length === 0) return;
  const capturedIso = createCapturedIso();
  if (tx.copyIn) {
    // Ids, uuids, numbers, timestamps, booleans, source types and the known event types are ASCII
    // and never need escaping; client ids and JSON may hold anything.
    const sourceTexts = sources.map(copyJsonText);
    // ~700 bytes of columns and event JSON per row besides its source_properties
    const out = new CopyBuffer(rows.length * (1024 + Math.max(...sourceTexts.map((t) => t.length))));
    for (const { row: r, sourceIndex } of rows) {
      out.ascii(`${r.eventId}\t${r.orgId}\t`);
      out.utf8(copyTextValue(r.dedupKey));
      out.ascii(
        `\t${r.seq}\t${r.deviceId}\t${r.sessionId ?? '\\N'}\t${r.viewId ?? '\\N'}\t${microsToIso(r.eventTimeMicros)}\t${capturedIso(r.capturedTime)}\t${r.eventType}\t`,
      );
      out.utf8(copyJsonText(JSON.stringify(r.eventProperties)));
      out.ascii(`\t${r.sourceType}\t`);
      out.utf8(sourceTexts[sourceIndex]!);
      out.ascii(`\t${r.urlInherited}\t`);
      out.utf8(r.targetPath === null ? '\\N\n' : `${copyJsonText(JSON.stringify(r.targetPath))}\n`);
    }
    await tx.copyIn(COPY_EVENTS, out.bytes());
    return;
  }
  const records = rows.map(({ row: r, sourceIndex }) => ({
    event_id: r.eventId,
    org_id: r.orgId,
    dedup_key: r.dedupKey,
    seq: r.seq,
    device_id: r.deviceId,
    session_id: r.sessionId,
    view_id: r.viewId,
    event_time: microsToIso(r.eventTimeMicros),
    captured_time: capturedIso(r.capturedTime),
    event_type: r.eventType,
    event_properties: r.eventProperties,
    source_type: r.sourceType,
    source: sourceIndex,
    url_inherited: r.urlInherited,
    target_path: r.targetPath,
  }));
  await tx.rows(sql`
    with src as (
      select (ordinality - 1)::int as i, value as props
      from jsonb_array_elements(${`[${sources.join(',')}]`}::jsonb) with ordinality)
      insert into events (event_id, org_id, dedup_key, client_seq, device_id, session_id, view_id, event_time,
        captured_time, event_type, event_properties, source_type, source_properties, url_inherited, target_path)
      select x.event_id, x.org_id, x.dedup_key, x.seq, x.device_id, x.session_id, x.view_id, x.event_time,
        x.captured_time, x.event_type, x.event_properties, x.source_type, src.props, x.url_inherited, x.target_path
      from json_to_recordset(${JSON.stringify(records)}::json) as x(event_id text, org_id uuid, dedup_key text,
        seq bigint, device_id bigint, session_id bigint, view_id bigint, event_time timestamptz,
        captured_time timestamptz, event_type text, event_properties jsonb, source_type text,
        source int, url_inherited boolean, target_path jsonb)
      join src on src.i = x.source`);
}

/** ISO text of capture times; the events of a request share one captured time, formatted once. */
function createCapturedIso(): (time: Date) => string {
  let last: Date | undefined;
  let lastIso = '';
  return (time) => {
    if (time !== last) lastIso = (last = time).toISOString();
    return lastIso;
  };
}

/** The event times (microseconds) of a session's new events. */
export interface SessionSpan {
  orgId: string;
  deviceId: string;
  sessionId: string;
  firstMicros: number;
  lastMicros: number;
}

/** Widens each session's span of event times to take in new events. */
export async function touchSessions(tx: Database, sessions: SessionSpan[]): Promise<void> {
  if (sessions.length === 0) return;
  const input = JSON.stringify(
    sessions.map((s) => ({
      org_id: s.orgId,
      device_id: s.deviceId,
      session_id: s.sessionId,
      f: microsToIso(s.firstMicros),
      l: microsToIso(s.lastMicros),
    })),
  );
  await tx.rows(sql`
    insert into sessions (org_id, device_id, session_id, first_event_time, last_event_time)
    select x.org_id, x.device_id, x.session_id, x.f, x.l
    from json_to_recordset(${input}::json) as x(org_id uuid, device_id bigint, session_id bigint, f timestamptz, l timestamptz)
    order by 1, 2, 3
    on conflict (org_id, device_id, session_id)
    do update set first_event_time = least(sessions.first_event_time, excluded.first_event_time),
      last_event_time = greatest(sessions.last_event_time, excluded.last_event_time)`);
}

export interface UserUpsert {
  orgId: string;
  uid: string;
  deviceId: string;
  displayName: string | null;
  email: string | null;
  properties: Record<string, unknown>;
}

/** Records identified users and the device they were last seen on; properties merge. */
export async function upsertUsers(tx: Database, users: UserUpsert[]): Promise<void> {
  if (users.length === 0) return;
  const input = JSON.stringify(
    users.map((u) => ({
      org_id: u.orgId,
      uid: u.uid,
      device_id: u.deviceId,
      display_name: u.displayName,
      email: u.email,
      properties: u.properties,
    })),
  );
  await tx.rows(sql`
    insert into users (org_id, uid, device_id, display_name, email, properties, updated_time)
    select x.org_id, x.uid, x.device_id, x.display_name, x.email, coalesce(x.properties, '{}'::jsonb), now()
    from json_to_recordset(${input}::json) as x(org_id uuid, uid text, device_id bigint, display_name text, email text, properties jsonb)
    order by 1, 2
    on conflict (org_id, uid) do update set
      device_id = excluded.device_id,
      display_name = coalesce(excluded.display_name, users.display_name),
      email = coalesce(excluded.email, users.email),
      properties = users.properties || excluded.properties,
      updated_time = now()`);
}

/**
 * The device a user was last seen on, and its most recent session for an event at `eventTime`:
 * one whose events reach into the `windowMs` before that instant (event time, not arrival time)
 * and began no later than it.
 */
export async function findUserRecentSession(
  db: Database,
  orgId: string,
  uid: string,
  eventTime: Date,
  windowMs: number,
): Promise<{ deviceId: string; sessionId: string | null } | undefined> {
  const t = eventTime.toISOString();
  const rows = await db.rows<{ device_id: string; session_id: string | null }>(sql`
    select u.device_id::text, s.session_id::text
    from users u
    left join lateral (
      select session_id from sessions
      where org_id = u.org_id and device_id = u.device_id
        and first_event_time <= ${t}::timestamptz
        and last_event_time >= ${t}::timestamptz - ${windowMs} * interval '1 millisecond'
      order by least(last_event_time, ${t}::timestamptz) desc limit 1) s on true
    where u.org_id = ${orgId} and u.uid = ${uid}`);
  const row = rows[0];
  return row ? { deviceId: row.device_id, sessionId: row.session_id } : undefined;
}

/**
 * The sessions of these devices whose span by event time comes within `gapMs` of
 * [`from`, `to`]: the sessions an event in that range may continue (server-side sessions of the
 * Segment-shaped API). One statement per request: the ids travel as one JSON parameter.
 */
export async function findSessionsNear(
  db: Database,
  orgId: string,
  deviceIds: string[],
  from: Date,
  to: Date,
  gapMs: number,
): Promise<{ deviceId: string; sessionId: string; firstMs: number; lastMs: number }[]> {
  if (deviceIds.length === 0) return [];
  const rows = await db.rows<{ device_id: string; session_id: string; first_ms: string; last_ms: string }>(sql`
    select s.device_id::text, s.session_id::text,
      floor(extract(epoch from s.first_event_time) * 1000)::bigint::text as first_ms,
      floor(extract(epoch from s.last_event_time) * 1000)::bigint::text as last_ms
    from sessions s
    where s.org_id = ${orgId}::uuid
      and s.device_id in (select value::bigint from json_array_elements_text(${JSON.stringify(deviceIds)}::json))
      and s.last_event_time >= ${new Date(from.getTime() - gapMs).toISOString()}::timestamptz
      and s.first_event_time <= ${new Date(to.getTime() + gapMs).toISOString()}::timestamptz`);
  return rows.map((r) => ({ deviceId: r.device_id, sessionId: r.session_id, firstMs: Number(r.first_ms), lastMs: Number(r.last_ms) }));
}
