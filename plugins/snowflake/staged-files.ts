/**
 * Writes a window of rows to gzip files on local disk for `PUT` + `COPY INTO`, streaming: one
 * batch is encoded at a time and a file is closed once its compressed size reaches the target,
 * so memory does not grow with the window.
 *
 * The format is the one `SNOWFLAKE_FILE_FORMAT` (sql.ts) declares: the SDK's COPY text
 * (`encodeCopyText`: tab-separated, `\N` for NULL, backslash escapes), no header.
 */
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { EVENT_ROW_COLUMNS, copyTextValue } from '../sdk/index.ts';
import type { EventRow } from '../sdk/index.ts';

/** What {@link writeStagedFiles} wrote. */
export interface StagedFiles {
  /** Absolute paths of the files, in order. */
  files: string[];
  /** Rows written. */
  rows: number;
  /** UTF-8 size of the text before compression. */
  bytes: number;
  /** Size of the gzip files. */
  compressedBytes: number;
  /** Smallest and largest `event_time` text of the rows (the host's fixed format sorts as text). */
  eventTimeRange: { from: string; to: string };
}

/**
 * gzip level 1: the files are written on the sync host's CPU, where level 6 costs about three
 * times as much for files about a fifth smaller; the upload is rarely the bottleneck.
 */
const GZIP_LEVEL = 1;

/**
 * Streams `batches` (non-empty; at least one row) into `folder/part-00001.tsv.gz`, … , starting a
 * new file when the current one holds `targetBytes` compressed bytes. `onBatch` is called before
 * each batch is encoded (to stop early on an abort).
 */
export async function writeStagedFiles(
  batches: AsyncIterable<EventRow[]>,
  folder: string,
  targetBytes: number,
  onBatch: () => void = () => {},
): Promise<StagedFiles> {
  const iterator = batches[Symbol.asyncIterator]();
  const written: StagedFiles = { files: [], rows: 0, bytes: 0, compressedBytes: 0, eventTimeRange: { from: '', to: '' } };
  let pending = await nextBatch(iterator);
  while (pending) {
    const file = join(folder, `part-${String(written.files.length + 1).padStart(5, '0')}.tsv.gz`);
    written.files.push(file);
    const out = createWriteStream(file);
    const first: EventRow[] = pending;
    pending = undefined;
    // Encodes batches into this file until its compressed size reaches the target; the batch
    // that would start the next file is kept in `pending`.
    async function* records(): AsyncGenerator<Buffer> {
      let batch: EventRow[] | undefined = first;
      while (batch) {
        onBatch();
        const text = encode(batch);
        track(batch, written);
        written.bytes += text.length;
        yield text;
        const next = await nextBatch(iterator);
        if (next && out.bytesWritten >= targetBytes) {
          pending = next;
          return;
        }
        batch = next;
      }
    }
    await pipeline(Readable.from(records(), { highWaterMark: 1 }), createGzip({ level: GZIP_LEVEL }), out);
    written.compressedBytes += out.bytesWritten;
  }
  return written;
}

async function nextBatch(iterator: AsyncIterator<EventRow[]>): Promise<EventRow[] | undefined> {
  for (;;) {
    const next = await iterator.next();
    if (next.done) return undefined;
    if (next.value.length > 0) return next.value;
  }
}

// The SDK's COPY text, written straight into one buffer per batch: no intermediate strings, so
// the garbage a window leaves is a buffer per batch rather than a string per value.
function encode(batch: EventRow[]): Buffer {
  // UTF-8 takes at most 3 bytes per UTF-16 unit, an escaped character 2; `\N`, a tab or newline.
  let bound = 0;
  for (const row of batch) {
    for (const column of EVENT_ROW_COLUMNS) bound += (row[column]?.length ?? 0) * 3 + 3;
  }
  const buffer = Buffer.allocUnsafe(bound);
  let at = 0;
  for (const row of batch) {
    for (let i = 0; i < EVENT_ROW_COLUMNS.length; i += 1) {
      if (i > 0) buffer[at++] = 0x09;
      at += buffer.write(copyTextValue(row[EVENT_ROW_COLUMNS[i]!]), at, 'utf8');
    }
    buffer[at++] = 0x0a;
  }
  return buffer.subarray(0, at);
}

function track(batch: EventRow[], written: StagedFiles): void {
  let { from, to } = written.eventTimeRange;
  for (const row of batch) {
    if (from === '' || row.event_time < from) from = row.event_time;
    if (row.event_time > to) to = row.event_time;
  }
  written.rows += batch.length;
  written.eventTimeRange = { from, to };
}
