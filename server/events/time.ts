/**
 * Event times travel as microseconds since the epoch (a JS number is exact up to the year 2255)
 * and are written as ISO-8601 UTC strings with six fraction digits.
 */
const ISO_WITH_OFFSET = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$/;

// Capture formats one time per event, mostly within the same minute: keep that minute's prefix.
let minuteStart = NaN;
let minutePrefix = '';

export function microsToIso(micros: number): string {
  const ms = Math.floor(micros / 1000);
  const start = ms - (((ms % 60_000) + 60_000) % 60_000);
  if (start !== minuteStart) {
    minuteStart = start;
    minutePrefix = new Date(start).toISOString().slice(0, 17);
  }
  const fraction = (ms - start) * 1000 + (micros - ms * 1000);
  return `${minutePrefix}${fraction < 10_000_000 ? '0' : ''}${Math.floor(fraction / 1_000_000)}.${String(fraction % 1_000_000).padStart(6, '0')}Z`;
}

/** Accepts an ISO-8601 string with an explicit offset, or epoch milliseconds; returns UTC microseconds. */
export function parseEventTime(value: unknown): number | undefined {
  if (typeof value === 'number') {
    return Number.isFinite(value) && value > 0 ? Math.round(value * 1000) : undefined;
  }
  if (typeof value !== 'string') return undefined;
  const m = ISO_WITH_OFFSET.exec(value);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}T${m[2]}${m[4]}`);
  if (Number.isNaN(ms)) return undefined;
  const fraction = (m[3] ?? '').padEnd(6, '0').slice(0, 6);
  return ms * 1000 + Number(fraction);
}
