/**
 * The rows of the Snowflake and Redshift benchmarks: a realistic row (about 600 bytes of values,
 * like the contract kit's sample events), generated lazily in batches of 5,000 as the sync host
 * streams them. The JSON columns are written as text directly (the same text `JSON.stringify`
 * gives, checked below on first use) so the generator costs the benchmark little next to the
 * plugin it feeds; the time spent inside it is measured all the same (in a real sync the host
 * reads these rows from Postgres).
 */
import type { EventRow } from '@tributary/destination-sdk';

const BATCH_SIZE = 5_000;
const EVENT_TYPES = ['navigate', 'click', 'click', 'click', 'change', 'custom', 'identify', 'element_seen'];
const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36';
const pad = (n: number, width: number) => String(n).padStart(width, '0');

// source_properties takes 1,000 values (one per product page): made once.
const SOURCE_PROPERTIES = Array.from(
  { length: 1000 },
  (_, page) =>
    `{"url":{"full_url":"https://shop.example/p/${page}?ref=home","host":"shop.example","path":"/p/${page}"},` +
    `"user_agent":{"raw":"${USER_AGENT}","browser":"Chrome"},"origin":"dom"}`,
);

/** Row `i` of a benchmark window. */
export function benchEvent(i: number): EventRow {
  const micros = pad((i * 7919) % 1_000_000, 6);
  const second = pad(i % 60, 2);
  return {
    event_id: `bench-${i}`,
    event_time: `2026-11-26T10:${pad(Math.floor(i / 60) % 60, 2)}:${second}.${micros}Z`,
    processed_time: `2026-11-26T11:00:${second}.${micros}Z`,
    device_id: String(1_000_000_007 * (i % 50_000)),
    session_id: String(4_000_000_000_000 + Math.floor(i / 20)),
    view_id: String(Math.floor(i / 5)),
    event_type: EVENT_TYPES[i % EVENT_TYPES.length]!,
    event_properties: `{"event_definition_id":"def-${i % 17}","target":{"text":"Add to cart ${i}","masked":false,"raw_selector":"main > div.product > button.add"}}`,
    source_type: 'web',
    source_properties: SOURCE_PROPERTIES[i % 1000]!,
  };
}

let checked = false;

/** The JSON text above is what JSON.stringify writes for these values (and so valid JSON). */
function checkJsonText(): void {
  for (const i of [0, 1, 999, 123_456]) {
    const row = benchEvent(i);
    const eventProperties = JSON.stringify({
      event_definition_id: `def-${i % 17}`,
      target: { text: `Add to cart ${i}`, masked: false, raw_selector: 'main > div.product > button.add' },
    });
    const sourceProperties = JSON.stringify({
      url: { full_url: `https://shop.example/p/${i % 1000}?ref=home`, host: 'shop.example', path: `/p/${i % 1000}` },
      user_agent: { raw: USER_AGENT, browser: 'Chrome' },
      origin: 'dom',
    });
    if (row.event_properties !== eventProperties || row.source_properties !== sourceProperties)
      throw new Error(`bench row ${i}: its JSON text is not JSON.stringify's`);
  }
  checked = true;
}

/** `rows` rows in batches of 5,000; `timing.seconds` accumulates the time spent making them. */
export async function* lazyRows(rows: number, timing = { seconds: 0 }): AsyncGenerator<EventRow[]> {
  if (!checked) checkJsonText();
  for (let start = 0; start < rows; start += BATCH_SIZE) {
    const end = Math.min(rows, start + BATCH_SIZE);
    const making = performance.now();
    const batch = new Array<EventRow>(end - start);
    for (let k = 0; k < batch.length; k += 1) batch[k] = benchEvent(start + k);
    timing.seconds += (performance.now() - making) / 1000;
    yield batch;
  }
}
