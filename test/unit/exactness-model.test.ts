import { beforeEach, describe, expect, it } from 'vitest';
import {
  diffWarehouse,
  ExactnessModel,
  NO_FILTER,
  VersionIds,
  type ClientEvent,
  type EventType,
  type ModelVersion,
  type WarehouseRow,
} from '../support/exactness-model.ts';

/**
 * The reference model of the model-based sync test (test/integration/sync-model.test.ts) on
 * small cases worked out by hand from the rule of issue #12, so a wrong model shows here first.
 */

let seq = 0;
beforeEach(() => {
  seq = 0;
});
function event(time: number, type: EventType, url: string | null = null, title: string | null = null): ClientEvent {
  seq++;
  return { device: '1', session: '1', view: '1', clientId: `c${seq}`, seq, time, type, url, title, marker: `m${seq}` };
}

function held(m: ExactnessModel, name: string) {
  const { live, tombstones } = m.expected(name);
  return { live: [...live.values()].map((v) => v.label).sort(), tombstones: [...tombstones].map((v) => v.label).sort() };
}

const A = 'https://shop.example/a';
const B = 'https://shop.example/b';

describe('the reference model of exact destinations', () => {
  it('re-emits after a late navigate only the later rows that inherit from it and whose url or title change', () => {
    const m = new ExactnessModel();
    const [n1, c2, c3, i4, n5, c6] = [
      event(10, 'navigate', A, 'A'),
      event(20, 'click'),
      event(30, 'click'),
      event(35, 'identify'),
      event(40, 'navigate', B),
      event(50, 'click'),
    ];
    m.capture(1, [n1!, c2!, c3!, i4!, n5!, c6!]);
    m.capture(2, [event(25, 'navigate', 'https://shop.example/late')]);
    const versions = (e: ClientEvent) => m.byMarker.get(e.marker)!.versions.map((v) => [v.url, v.createdAt]);
    expect(versions(c3!)).toEqual([
      [A, 1],
      ['https://shop.example/late', 2],
    ]);
    expect(versions(i4!)).toHaveLength(2);
    for (const e of [n1!, c2!, n5!, c6!]) expect(versions(e)).toHaveLength(1);
    // the same page again, a late click and a late identify: nothing else changes
    m.capture(3, [event(15, 'navigate', A, 'A'), event(16, 'click'), event(17, 'identify')]);
    expect(versions(c2!)).toHaveLength(1);
    // a title is part of the page: the same URL with another title re-emits what follows it
    m.capture(4, [event(18, 'navigate', A)]);
    expect(m.byMarker.get(c2!.marker)!.versions.map((v) => v.title)).toEqual(['A', null]);
  });

  it('keeps out what was captured before activation or in a gap, and sends tombstones of re-emissions made in a gap', () => {
    const m = new ExactnessModel();
    m.capture(1, [event(5, 'click')]); // before the destination
    m.createDestination(2, 'd', true, NO_FILTER);
    const [e1, e2, e3] = [event(10, 'navigate', A), event(20, 'click'), event(30, 'click')];
    m.capture(3, [e1!, e2!, e3!]);
    m.sync(4, 'd');
    m.disable(5, 'd');
    m.capture(6, [event(25, 'navigate', B), event(40, 'click')]); // in the gap: re-emits e3
    m.enable(7, 'd');
    const late = event(4, 'navigate', B); // re-emits the click captured before the destination
    m.capture(8, [late]);
    m.sync(9, 'd');
    const live = [`${e1!.marker}@v0`, `${e2!.marker}@v0`, `${e3!.marker}@v1`, `${late.marker}@v0`];
    expect(held(m, 'd')).toEqual({ live: live.sort(), tombstones: [`${e3!.marker}@v0`] });
  });

  it('judges an event by the filter of the period it was captured in, and tombstones only rows it received', () => {
    const m = new ExactnessModel();
    m.createDestination(1, 'd', true, { include: ['click'], exclude: null });
    const [n, c] = [event(10, 'navigate', A), event(20, 'click')];
    m.capture(2, [n!, c!]);
    m.sync(3, 'd');
    m.setFilter(4, 'd', NO_FILTER);
    m.sync(5, 'd');
    expect(held(m, 'd')).toEqual({ live: [`${c!.marker}@v0`], tombstones: [] }); // the navigate is not resent
    m.setFilter(6, 'd', { include: null, exclude: ['click'] });
    const navigates = [event(15, 'navigate', B), event(12, 'navigate', 'https://shop.example/c'), event(16, 'navigate', A)];
    m.capture(7, [navigates[0]!]); // c → v1: still a click of the first period, which takes clicks
    m.capture(8, [navigates[1]!]); // nothing more for c: v1 inherits from the navigate at 15
    m.capture(9, [navigates[2]!]); // c → v2
    m.sync(10, 'd');
    expect(held(m, 'd')).toEqual({
      live: [...navigates.map((e) => `${e.marker}@v0`), `${c!.marker}@v2`].sort(),
      tombstones: [`${c!.marker}@v0`],
    });
    expect(m.byMarker.get(c!.marker)!.versions.map((v) => v.url)).toEqual([A, B, A]);
  });

  it('sends a backfill the current rows of its capture times as far as it got, with its filter, and from then on their changes', () => {
    const m = new ExactnessModel();
    const [n, c1] = [event(10, 'navigate', A), event(20, 'click')];
    m.capture(1, [n!, c1!]);
    const c2 = event(30, 'click');
    m.capture(2, [c2]);
    m.capture(3, [event(40, 'custom')]); // the filter leaves it out
    m.createDestination(4, 'd', true, { include: null, exclude: ['custom'] });
    m.requestBackfill(4, 'd', 'b1', 0.5);
    expect(m.openBackfill('d')?.id).toBe('b1');
    // re-emits c1 and c2 before the backfill reached them: it sends their current rows
    const late = event(15, 'navigate', B);
    m.capture(5, [late]);
    m.sync(6, 'd', { id: 'b1', until: 1.5, open: true });
    expect(held(m, 'd')).toEqual({ live: [`${late.marker}@v0`, `${n!.marker}@v0`, `${c1!.marker}@v1`].sort(), tombstones: [] });
    // c2 (and the custom event) lie beyond where it got: their re-emission is not sent yet
    const back = event(25, 'navigate', A); // re-emits c2 again, not c1 (which follows the navigate at 15)
    m.capture(7, [back]);
    m.sync(8, 'd', { id: 'b1', until: 4, open: false });
    expect(m.openBackfill('d')).toBeUndefined();
    const base = [late, n!, back].map((e) => `${e.marker}@v0`).concat(`${c1!.marker}@v1`);
    expect(held(m, 'd')).toEqual({ live: [...base, `${c2.marker}@v2`].sort(), tombstones: [] });
    // from then on, the backfilled capture times are like an active period's
    m.capture(9, [event(28, 'navigate', B)]);
    m.sync(10, 'd');
    expect(held(m, 'd')).toEqual({
      live: [...base, `${m.views.get('1')![4]!.marker}@v0`, `${c2.marker}@v3`].sort(),
      tombstones: [`${c2.marker}@v2`],
    });
  });

  it('keeps a cancelled backfill where it stopped: the changes of what it sent travel, the rest stays out', () => {
    const m = new ExactnessModel();
    const [n, c1] = [event(10, 'navigate', A), event(20, 'click')];
    m.capture(1, [n!, c1!]);
    const c2 = event(30, 'click');
    m.capture(2, [c2]);
    m.createDestination(3, 'd', false, NO_FILTER);
    m.requestBackfill(3, 'd', 'b1', 0.5);
    m.enable(4, 'd');
    m.sync(5, 'd', { id: 'b1', until: 1.5, open: true });
    m.cancelBackfill('d', 'b1');
    m.capture(6, [event(15, 'navigate', B)]); // re-emits c1 (sent) and c2 (never sent)
    m.sync(7, 'd');
    const live = held(m, 'd').live;
    expect(live).toContain(`${c1!.marker}@v1`);
    expect(live.some((label) => label.startsWith(`${c2.marker}@`))).toBe(false);
    expect(held(m, 'd').tombstones).toEqual([`${c1!.marker}@v0`]);
    expect(m.whyAbsent('d', m.byMarker.get(c2.marker)!)).toMatch(/outside its periods \(steps backfill 0.5–1.5, 4–…\)/);
  });

  it('reports duplicates, stale versions, needless re-emissions and tombstones of rows never received', () => {
    const m = new ExactnessModel();
    m.createDestination(1, 'd', true, NO_FILTER);
    const [n, c] = [event(10, 'navigate', A), event(20, 'click')];
    m.capture(2, [n!, c!]);
    m.sync(3, 'd');
    const ids = new VersionIds();
    const received = new Set<string>();
    const row = (id: string, v: ModelVersion | null, marker = v?.event.marker ?? null): WarehouseRow => ({
      eventId: id,
      eventType: v ? v.event.type : null,
      time: v?.event.time ?? 0,
      device: '1',
      session: v ? '1' : null,
      view: v ? '1' : null,
      marker,
      url: v?.url ?? null,
      title: v?.title ?? null,
      pageDefinitionId: null,
      propertiesNull: v === null,
    });
    const [vn, vc] = [m.byMarker.get(n!.marker)!.versions[0]!, m.byMarker.get(c!.marker)!.versions[0]!];
    expect(diffWarehouse(m, 'd', [row('N', vn), row('C', vc)], ids, received)).toEqual([]);
    m.capture(4, [event(15, 'click')]);
    m.sync(5, 'd');
    const problems = diffWarehouse(m, 'd', [row('N', vn), row('C', null), row('C2', vc), row('C3', vc), row('X', null)], ids, received);
    expect(problems.join('\n')).toMatch(/re-emitted though nothing changed/);
    expect(problems.join('\n')).toMatch(/tombstone C of m\d+@v0, which must still be live/);
    expect(problems.join('\n')).toMatch(/tombstone X for a row this destination never received/);
    expect(problems.join('\n')).toMatch(/no live row/);
  });
});
