/**
 * Writes a window of rows to gzip CSV files on local disk for `PUT` + `COPY INTO`, streaming:
 * one batch is encoded at a time and a file is closed once its compressed size reaches the
 * target, so memory does not grow with the window.
 *
 * The format is the one `SNOWFLAKE_FILE_FORMAT` (sql.ts) declares: fields in `raw_events` column
 * order, every non-null value enclosed in double quotes with inner quotes doubled (so commas,
 * newlines and backslashes are plain data), NULL as an empty unenclosed field, `\n` after each
 * record, no header.
 */
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { EVENT_ROW_COLUMNS } from '../sdk/index.ts';
import type { EventRow } from '../sdk/index.ts';

/** What {@link writeStagedFiles} wrote. */
export interface StagedFiles {
  /** Absolute paths of the files, in order. */
  files: string[];
  /** Rows written. */
  rows: number;
  /** UTF-8 size of the CSV text before compression. */
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
 * Streams `batches` (non-empty; at least one row) into `folder/part-00001.csv.gz`, … , starting a
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
    const file = join(folder, `part-${String(written.files.length + 1).padStart(5, '0')}.csv.gz`);
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
        const text = encodeBatch(batch, written);
        written.bytes += Buffer.byteLength(text);
        yield Buffer.from(text);
        const next = await nextBatch(iterator);
        if (next && out.bytesWritten >= targetBytes) {
          pending = next;
          return;
        }
        batch = next;
      }
    }
    await pipeline(Readable.from(records()), createGzip({ level: GZIP_LEVEL }), out);
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

function encodeBatch(batch: EventRow[], written: StagedFiles): string {
  let text = '';
  let { from, to } = written.eventTimeRange;
  for (const row of batch) {
    let record = '';
    for (let i = 0; i < EVENT_ROW_COLUMNS.length; i += 1) {
      const value = row[EVENT_ROW_COLUMNS[i]!];
      if (i > 0) record += ',';
      if (value !== null) record += `"${value.includes('"') ? value.replaceAll('"', '""') : value}"`;
    }
    text += `${record}\n`;
    if (from === '' || row.event_time < from) from = row.event_time;
    if (row.event_time > to) to = row.event_time;
  }
  written.rows += batch.length;
  written.eventTimeRange = { from, to };
  return text;
}
