import { createHash, randomBytes } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const INT64_MAX = 9223372036854775807n;

// One getrandom call per 4,096 bytes rather than one per id: capture makes an id per event.
let pool = randomBytes(4096);
let poolOffset = 0;
function randomByte(): number {
  if (poolOffset >= pool.length) {
    pool = randomBytes(4096);
    poolOffset = 0;
  }
  return pool[poolOffset++]!;
}

let lastTime = -1;
let prefix = '';
// The 80 random bits of the last id, big-endian.
const randomPart = new Uint8Array(10);

/**
 * A new warehouse `event_id`: 26 characters, time-ordered (48-bit milliseconds, then 80 bits,
 * Crockford base32 like a ULID), so store inserts append to the primary key index. Monotonic
 * within the process: a later id is always greater (in a millisecond already used, the 80 bits
 * of the previous id plus one). The writer makes a view's rows in view order (event time, then
 * the client's sequence number), so `order by event_time, event_id` keeps that order in the
 * warehouse even between events of the same millisecond.
 */
export function newEventId(now = Date.now()): string {
  if (now > lastTime) {
    lastTime = now;
    prefix = '';
    for (let i = 0, t = now; i < 10; i++, t = Math.floor(t / 32)) prefix = CROCKFORD[t % 32]! + prefix;
    for (let i = 0; i < randomPart.length; i++) randomPart[i] = randomByte();
    // the top bit clear leaves 2^79 increments before a millisecond could run out
    randomPart[0]! &= 0x7f;
  } else {
    // same millisecond, or the clock stepped back: the previous id plus one
    for (let i = randomPart.length - 1; i >= 0 && ++randomPart[i]! === 256; i--) randomPart[i] = 0;
  }
  let out = prefix;
  let bits = 0;
  let value = 0;
  for (let i = 0; i < randomPart.length; i++) {
    value = ((value << 8) | randomPart[i]!) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += CROCKFORD[(value >> bits) & 31];
    }
  }
  return out;
}

/**
 * Parses a positive int64 (1 to 2^63-1) given as a decimal string or a safe JS integer; undefined
 * when invalid. Ids are positive: 0 is no id.
 */
export function parseInt64(value: unknown): string | undefined {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && value > 0 ? String(value) : undefined;
  }
  if (typeof value === 'string' && /^\d{1,19}$/.test(value)) {
    const n = BigInt(value);
    return n > 0n && n <= INT64_MAX ? n.toString() : undefined;
  }
  return undefined;
}

/** A stable positive int64 device id derived from a server-side user id (63 bits of SHA-256). */
export function deviceIdForUser(orgId: string, uid: string): string {
  const digest = createHash('sha256').update(`${orgId}\u0000user\u0000${uid}`).digest();
  return (digest.readBigUInt64BE(0) & INT64_MAX).toString();
}

/** 63 bits of SHA-256 of `input` as a positive int64 (0, one chance in 2^63, is taken as 1). */
function int64Of(input: string): string {
  const n = createHash('sha256').update(input).digest().readBigUInt64BE(0) & INT64_MAX;
  return (n === 0n ? 1n : n).toString();
}

/**
 * The device of a Segment-shaped `anonymousId` (docs/capture-protocol.md): 63 bits of SHA-256
 * of the organization and the id. `attempt` > 0 gives the next candidate when the first one is
 * already the device of another anonymousId (server/capture/segment/devices.ts checks).
 */
export function deviceIdForAnonymousId(orgId: string, anonymousId: string, attempt = 0): string {
  return int64Of(`${orgId}\u0000anonymous\u0000${anonymousId}${attempt > 0 ? `\u0000${attempt}` : ''}`);
}

/**
 * The view of a Segment-shaped message on a page (or app screen) in a session: the page's calls
 * and the messages sent from it share it (docs/capture-protocol.md).
 */
export function viewIdForPage(orgId: string, deviceId: string, sessionId: string, fullUrl: string): string {
  return int64Of(`${orgId}\u0000page-view\u0000${deviceId}\u0000${sessionId}\u0000${fullUrl}`);
}

/** The view a Segment-shaped page or screen call outside any session opens: derived from its own message identity. */
export function viewIdForMessage(orgId: string, dedupKey: string): string {
  return int64Of(`${orgId}\u0000view\u0000${dedupKey}`);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether an id given by a caller can name a uuid row at all (else: not found, never a SQL error). */
export const isUuid = (id: string): boolean => UUID.test(id);
