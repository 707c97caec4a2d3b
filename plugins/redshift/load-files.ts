/**
 * Writes a window of rows as the zstd JSON-lines files Redshift's COPY loads in parallel, on local
 * disk, streaming: memory holds one chunk of rows whatever the size of the window.
 *
 * AWS's guidance for loading compressed files: split them so that their number is a multiple of
 * the cluster's slices and their sizes are about equal, between 1 MB and 1 GB after compression
 * (Redshift Database Developer Guide, "Loading data from compressed and uncompressed files",
 * "Load takes too long"). So a window fills one file to about 1 MB compressed before it opens
 * the next, up to `files` files, then deals chunks of rows to them in turn: a small window makes
 * one or a few files of at least a megabyte, a large one `files` files of equal size (within a
 * chunk). A file reaching 1 GB is closed and replaced, so none exceeds the guidance.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { WriteStream } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { constants, createZstdCompress } from 'node:zlib';
import type { ZstdCompress } from 'node:zlib';
import { PermanentError } from '@tributary/destination-sdk';
import type { EventRow } from '@tributary/destination-sdk';

/** Uncompressed bytes a file gets before the next is opened (≈1 MB after compression: event rows compress about 17:1). */
const FILL_BYTES = 16 * 1024 * 1024;
/** Compressed size at which a file is closed and replaced. */
const MAX_FILE_BYTES = 1024 * 1024 * 1024;
/** Rows encoded and written at once. */
const CHUNK_ROWS = 1_000;
/**
 * zstd level 1 (COPY's `ZSTD`): CPU on the Tributary host is scarcer than bandwidth to S3 in the
 * same region, and on event rows zstd's fastest level takes half the time of gzip's fastest for
 * files a quarter smaller (0.15 s against 0.30 s for 96 MB of rows; 5.7 MB against 7.6 MB).
 */
const ZSTD_LEVEL = 1;
/**
 * Compression runs on libuv's thread pool while the main thread encodes the next chunk: a stream
 * takes one chunk (about 640 KB of rows) without asking the writer to wait (at the default 16 KB
 * every chunk waited for its own compression), and hands its output back in one piece (a chunk
 * compresses to about 40 KB; at the default 16 KB output size each piece waited for the busy main
 * thread). Memory stays at about one chunk per file.
 */
const ZSTD_STREAM = { chunkSize: 128 * 1024, writableHighWaterMark: 1024 * 1024 };
/** COPY refuses a JSON object above 4 MB (Developer Guide, "Using COPY to load data into SUPER columns"). */
export const MAX_JSON_OBJECT_BYTES = 4 * 1024 * 1024;

/** One written file. */
export interface LoadFile {
  /** File name, also the last part of its S3 key, e.g. `part-003.json.zst`. */
  name: string;
  /** Absolute path on disk. */
  path: string;
  /** Compressed size in bytes. */
  bytes: number;
  /** Rows it holds. */
  rows: number;
}

/** What {@link writeLoadFiles} wrote. */
export interface LoadFiles {
  files: LoadFile[];
  rows: number;
  /** Bytes of JSON lines before compression. */
  bytes: number;
  /** The smallest and largest `event_time` of the rows (their text sorts like the times). */
  eventTimeRange: { from: string; to: string };
}

interface OpenFile {
  file: LoadFile;
  zstd: ZstdCompress;
  out: WriteStream;
  done: Promise<void>;
  rawBytes: number;
}

/** Writes `batches` into at most `files` zstd JSON-lines files (plus replacements past 1 GB) in `dir`. */
export async function writeLoadFiles(batches: AsyncIterable<EventRow[]>, dir: string, files: number): Promise<LoadFiles> {
  const written: LoadFile[] = [];
  const slots: OpenFile[] = [];
  let next = 0;
  let rows = 0;
  let bytes = 0;
  let from: string | undefined;
  let to: string | undefined;

  const open = (): OpenFile => {
    const name = `part-${String(written.length).padStart(3, '0')}.json.zst`;
    const file: LoadFile = { name, path: path.join(dir, name), bytes: 0, rows: 0 };
    written.push(file);
    const zstd = createZstdCompress({ ...ZSTD_STREAM, params: { [constants.ZSTD_c_compressionLevel]: ZSTD_LEVEL } });
    const out = createWriteStream(file.path);
    const done = pipeline(zstd, out).then(() => {
      file.bytes = out.bytesWritten;
    });
    // Surfaced by `done`; without this an early error would be unhandled until then.
    done.catch(() => {});
    return { file, zstd, out, done, rawBytes: 0 };
  };
  const close = async (slot: OpenFile) => {
    slot.zstd.end();
    await slot.done;
  };
  // The file the next chunk goes to: fill the newest to FILL_BYTES, open up to `files`, then rotate.
  const target = async (): Promise<OpenFile> => {
    const newest = slots.at(-1);
    if (newest && newest.rawBytes < FILL_BYTES) return newest;
    if (slots.length < files) {
      slots.push(open());
      return slots.at(-1)!;
    }
    const index = next;
    next = (next + 1) % slots.length;
    if (slots[index]!.out.bytesWritten >= MAX_FILE_BYTES) {
      await close(slots[index]!);
      slots[index] = open();
    }
    return slots[index]!;
  };

  try {
    let pending: EventRow[] = [];
    const flush = async () => {
      if (pending.length === 0) return;
      let text = '';
      for (const row of pending) {
        text += jsonLine(row);
        if (from === undefined || row.event_time < from) from = row.event_time;
        if (to === undefined || row.event_time > to) to = row.event_time;
      }
      const chunk = Buffer.from(text);
      const slot = await target();
      slot.rawBytes += chunk.length;
      slot.file.rows += pending.length;
      rows += pending.length;
      bytes += chunk.length;
      pending = [];
      if (!slot.zstd.write(chunk)) await Promise.race([once(slot.zstd, 'drain'), slot.done]);
    };
    for await (const batch of batches) {
      for (const row of batch) {
        pending.push(row);
        if (pending.length >= CHUNK_ROWS) await flush();
      }
    }
    await flush();
    await Promise.all(slots.map(close));
  } catch (err) {
    for (const slot of slots) slot.zstd.destroy();
    throw err;
  }
  return { files: written, rows, bytes, eventTimeRange: { from: from ?? '', to: to ?? '' } };
}

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const INT64 = /^-?\d{1,19}$/;

/**
 * One row as a line of JSON whose keys are the raw_events columns (COPY … FORMAT JSON 'auto'
 * matches keys to column names). Ids go as JSON numbers, written from their decimal text so no
 * digit is lost; the JSON columns go in as they are, objects that COPY loads into SUPER.
 */
export function jsonLine(row: EventRow): string {
  const line =
    `{"event_id":${JSON.stringify(row.event_id)},"event_time":"${time(row.event_time)}","processed_time":"${time(row.processed_time)}",` +
    `"device_id":${int64(row.device_id)},"session_id":${row.session_id === null ? 'null' : int64(row.session_id)},` +
    `"view_id":${row.view_id === null ? 'null' : int64(row.view_id)},"event_type":${row.event_type === null ? 'null' : JSON.stringify(row.event_type)},` +
    `"event_properties":${json(row.event_properties)},"source_type":${JSON.stringify(row.source_type)},"source_properties":${json(row.source_properties)}}\n`;
  if (line.length > MAX_JSON_OBJECT_BYTES / 4 && Buffer.byteLength(line) > MAX_JSON_OBJECT_BYTES) {
    throw new PermanentError(
      `event ${row.event_id} is ${Buffer.byteLength(line)} bytes as JSON; Redshift's COPY takes at most 4 MB per row`,
    );
  }
  return line;
}

function time(value: string): string {
  if (!TIME.test(value)) throw new PermanentError(`not a UTC time with microseconds: ${JSON.stringify(value.slice(0, 40))}`);
  return value;
}

function int64(value: string): string {
  if (!INT64.test(value)) throw new PermanentError(`not a 64-bit integer: ${JSON.stringify(value.slice(0, 40))}`);
  return value;
}

// A line break can only be whitespace between tokens of valid JSON (inside strings it is
// escaped), so replacing it by a space keeps the value and the one-object-per-line layout.
function json(value: string | null): string {
  if (value === null) return 'null';
  return value.includes('\n') || value.includes('\r') ? value.replace(/[\r\n]/g, ' ') : value;
}
