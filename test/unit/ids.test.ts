import { describe, expect, it } from 'vitest';
import { newEventId } from '../../server/events/ids.ts';

const SHAPE = /^[0-9A-HJKMNP-TV-Z]{26}$/;

describe('newEventId', () => {
  it('is strictly increasing within one millisecond (carries included), so it keeps the order ids were made in', () => {
    const now = Date.parse('2026-11-26T10:00:00Z');
    const ids = Array.from({ length: 10_000 }, () => newEventId(now));
    for (const id of ids) expect(id).toMatch(SHAPE);
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!, `${ids[i - 1]} then ${ids[i]}`).toBe(true);
    // the time part is the millisecond's
    expect(new Set(ids.map((id) => id.slice(0, 10))).size).toBe(1);
  });

  it('sorts by time across milliseconds, and stays increasing when the clock steps back', () => {
    const t = Date.parse('2026-11-26T11:00:00Z');
    const a = newEventId(t);
    const b = newEventId(t + 1);
    const c = newEventId(t - 5_000);
    expect(b > a).toBe(true);
    expect(c > b).toBe(true);
    expect(c.slice(0, 10)).toBe(b.slice(0, 10));
    // a new millisecond starts from fresh random bits, not from the previous id
    const d = newEventId(t + 2);
    const e = newEventId(t + 3);
    expect(d.slice(10)).not.toBe(e.slice(10));
  });
});
