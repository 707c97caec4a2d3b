import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zstdDecompressSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copyText, type EventRow } from '@tributary/destination-sdk';
import { writeStagedFiles } from '../../plugins/snowflake/staged-files.ts';

// Rows whose JSON holds multi-byte characters (é, an emoji's surrogate pair) and, when `wide`,
// kilobytes of characters the COPY text escapes.
function row(i: number, wide = false): EventRow {
  return {
    event_id: `e${i}`,
    event_time: `2026-11-26T10:${String(i % 60).padStart(2, '0')}:00.000000Z`,
    processed_time: '2026-11-26T11:00:00.000000Z',
    device_id: String(i),
    session_id: i % 3 ? String(i) : null,
    view_id: null,
    event_type: 'custom',
    event_properties: wide ? `{"t":"${'é😀\t\\\n'.repeat(200)}${i}"}` : `{"i":${i},"s":"é😀"}`,
    source_type: 'web',
    source_properties: '{}',
  };
}
const rows = (n: number, from = 0, wide = false) => Array.from({ length: n }, (_, k) => row(from + k, wide));

async function* batches(list: EventRow[][]): AsyncGenerator<EventRow[]> {
  for (const batch of list) yield batch;
}

let folder: string;
beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'staged-files-'));
});
afterEach(() => rm(folder, { recursive: true, force: true }));

/** Writes the batches and checks the files hold exactly their rows' COPY text, each row once. */
async function roundTrip(list: EventRow[][], targetBytes = 128 * 1024 * 1024) {
  const written = await writeStagedFiles(batches(list), folder, targetBytes);
  const all = list.flat();
  const texts = await Promise.all(written.files.map(async (file) => zstdDecompressSync(await readFile(file)).toString('utf8')));
  const lines = (text: string) => text.split('\n').slice(0, -1).sort();
  expect(lines(texts.join(''))).toEqual(lines(copyText(all)));
  expect(written.rows).toBe(all.length);
  expect(written.bytes).toBe(Buffer.byteLength(copyText(all)));
  const times = all.map((r) => r.event_time).sort();
  expect(written.eventTimeRange).toEqual({ from: times[0], to: times.at(-1) });
  return written;
}

describe('snowflake staged files (writeStagedFiles)', () => {
  it('writes every row exactly once, across piece boundaries and empty batches', async () => {
    for (const list of [[rows(1)], [rows(500)], [rows(501)], [rows(1), [], rows(1001, 1), rows(499, 2000)]]) {
      const written = await roundTrip(list);
      expect(written.files).toHaveLength(1); // a small window stays one file
      await rm(written.files[0]!);
    }
  });

  it('keeps multi-byte characters and escapes whole, also when a piece outgrows its buffer', async () => {
    await roundTrip([rows(1200, 0, true)]);
  });

  it('spreads a larger window over two files and replaces a file at the target size', async () => {
    const written = await roundTrip(
      Array.from({ length: 30 }, (_, k) => rows(1000, k * 1000, true)),
      50_000,
    );
    expect(written.files.length).toBeGreaterThan(2);
    expect(written.compressedBytes).toBeGreaterThan(0);
  });
});
