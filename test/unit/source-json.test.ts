import { describe, expect, it } from 'vitest';
import { createSourceJson, sourcePropertiesOf, type ProcessedRow } from '../../server/processing/build-row.ts';
import { parseUrl } from '../../server/events/url.ts';

const shared = { entrypoint: 'POST /capture/v1/batch', origin: 'dom', title: null, user_agent: { browser: 'Chrome' } };
const row = (over: Partial<ProcessedRow>): ProcessedRow => ({
  eventId: 'e',
  orgId: 'o',
  dedupKey: 'd',
  seq: 1,
  deviceId: '1',
  sessionId: null,
  viewId: '2',
  eventTimeMicros: 0,
  capturedTime: new Date(0),
  eventType: 'click',
  eventProperties: {},
  sourceType: 'web',
  source: shared,
  url: parseUrl('https://shop.example/a'),
  pageDefinitionId: null,
  urlInherited: false,
  targetPath: null,
  ...over,
});

describe('source_properties JSON, memoised per shared source and page', () => {
  it('is the JSON of the row’s source_properties, whatever was cached before', () => {
    const json = createSourceJson();
    const rows = [
      row({}),
      row({ urlInherited: true, inheritedTitle: null }),
      row({ urlInherited: true, inheritedTitle: '' }),
      row({ urlInherited: true, inheritedTitle: 'Cart' }),
      row({ url: parseUrl('https://shop.example/b') }),
      row({ pageDefinitionId: 'pd_1' }),
      row({ url: null }),
      row({ source: { ...shared, title: 'Own title' } }),
    ];
    for (const r of [...rows, ...rows]) expect(JSON.parse(json(r))).toEqual(JSON.parse(JSON.stringify(sourcePropertiesOf(r))));
    expect(JSON.parse(json(rows[2]!)).title).toBe('');
    expect(JSON.parse(json(rows[1]!)).title).toBeNull();
  });

  it('serialises each distinct value once', () => {
    const json = createSourceJson();
    expect(json(row({}))).toBe(json(row({ eventId: 'other' })));
  });
});
