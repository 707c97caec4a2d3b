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
  // Two buffers in turn: one is encoded into while gzip compresses the other. A buffer is
  // encoded into again only after gzip has consumed it (the write's callback), so nothing is
  // copied and the garbage of a window is the row objects the source hands over, not their text.
  const buffers = [Buffer.alloc(0), Buffer.alloc(0)];
  let turn = 0;
  let batch = await nextBatch(iterator);
  while (batch) {
    const file = join(folder, `part-${String(written.files.length + 1).padStart(5, '0')}.tsv.gz`);
    written.files.push(file);
    const gzip = createGzip({ level: GZIP_LEVEL });
    const out = createWriteStream(file);
    const done = pipeline(gzip, out);
    // Settled below; this keeps a failure before then from being reported as unhandled.
    done.catch(() => {});
    let consumed: Promise<unknown> = Promise.resolve();
    try {
      // Batches go into this file until its compressed size reaches the target.
      do {
        onBatch();
        const text = encode(batch, buffers, turn);
        track(batch, written);
        written.bytes += text.length;
        await consumed;
        const writing = new Promise<void>((resolve, reject) => gzip.write(text, (err) => (err ? reject(err) : resolve())));
        consumed = Promise.race([writing, done]);
        turn = 1 - turn;
        batch = await nextBatch(iterator);
      } while (batch && out.bytesWritten < targetBytes);
      await consumed;
      gzip.end();
      await done;
    } catch (err) {
      gzip.destroy();
      throw err;
    }
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

/**
 * The SDK's COPY text of a batch (as `encodeCopyText`), written into `buffers[turn]`, which grows
 * (doubling) when a value might not fit: UTF-8 takes at most 3 bytes per UTF-16 unit, and an
 * escaped character 2. Returns the part written.
 */
function encode(batch: EventRow[], buffers: Buffer[], turn: number): Buffer {
  let buffer = buffers[turn]!;
  let at = 0;
  for (const row of batch) {
    for (let i = 0; i < EVENT_ROW_COLUMNS.length; i += 1) {
      const value = copyTextValue(row[EVENT_ROW_COLUMNS[i]!]);
      if (at + value.length * 3 + 2 > buffer.length) {
        const grown = Buffer.allocUnsafe(Math.max(buffer.length * 2, at + value.length * 3 + 2, 1 << 20));
        buffer.copy(grown, 0, 0, at);
        buffer = buffers[turn] = grown;
      }
      if (i > 0) buffer[at++] = 0x09;
      at += buffer.write(value, at, 'utf8');
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
