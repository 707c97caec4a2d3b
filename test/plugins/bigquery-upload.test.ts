/**
 * How the BigQuery destination sends a window: a resumable upload (Google's "API uploads"
 * protocol) streamed while the rows are encoded, through the real SDK's auth against the fake,
 * which enforces the protocol's rules and refuses large multipart uploads.
 */
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BigQuery } from '@google-cloud/bigquery';
import { afterAll, describe, expect, it } from 'vitest';
import { contractEvent, generatedBatches } from '@tributary/destination-sdk/testing';
import { classifyError, parseDestinationConfig, silentLogger } from '@tributary/destination-sdk';
import type { EventRow } from '@tributary/destination-sdk';
import { createBigqueryDestination } from '../../plugins/bigquery/index.ts';
import type { BigqueryDestinationConfig } from '../../plugins/bigquery/index.ts';
import { eventLine } from '../../plugins/bigquery/ndjson.ts';
import { ResumableUpload } from '../../plugins/bigquery/upload.ts';
import { startBigqueryFake } from '../fakes/bigquery-fake.ts';
import { countRows, readEvents, staticTokenClient, testServiceAccount } from '../fakes/bigquery-helpers.ts';

const KIB = 1024;
const CHUNK = 256 * KIB;
const fake = await startBigqueryFake();
const key = testServiceAccount();
let datasets = 0;

afterAll(async () => {
  await fake.close();
});

const destination = createBigqueryDestination({ authClient: staticTokenClient(), pollIntervalMs: 5, uploadChunkBytes: CHUNK });
const target = (config: BigqueryDestinationConfig) => ({ apiEndpoint: fake.url, projectId: config.projectId, datasetId: config.datasetId });

async function prepared(definition = destination, overrides: Record<string, unknown> = {}): Promise<BigqueryDestinationConfig> {
  const config = parseDestinationConfig(definition, {
    ...overrides,
    projectId: fake.projectId,
    datasetId: `up_${(datasets += 1)}`,
    // The injected static-token client signs the requests instead of the key.
    serviceAccountKey: key.keyJson,
    apiEndpoint: fake.url,
  });
  const connection = await definition.connect(config, { logger: silentLogger });
  await connection.ensureTables();
  await connection.close();
  return config;
}

async function load(config: BigqueryDestinationConfig, batches: AsyncIterable<EventRow[]>, definition = destination) {
  const connection = await definition.connect(config, { logger: silentLogger });
  try {
    return await connection.loadEvents(batches);
  } finally {
    await connection.close();
  }
}

const uploads = () => fake.requests.filter((r) => r.api.startsWith('upload'));

describe('bigquery destination: the window goes up as a resumable upload', () => {
  it('opens a session, sends 256 KiB-multiple chunks with consistent Content-Range, and the last names the total', async () => {
    const config = await prepared();
    fake.resetLog();
    const result = await load(config, generatedBatches(3_000, 500));
    expect(result.rowsStaged).toBe(3_000);
    const sent = uploads();
    expect(sent[0]!.api).toBe('upload.initiate');
    expect(sent[0]!.query).toContain('uploadType=resumable');
    const chunks = sent.slice(1);
    expect(chunks.every((r) => r.api === 'upload.chunk' && r.status !== 0)).toBe(true);
    expect(chunks.length).toBeGreaterThan(3);
    let offset = 0;
    for (const [i, chunk] of chunks.entries()) {
      const [, first, last, total] = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(chunk.contentRange ?? '')!;
      expect(Number(first)).toBe(offset);
      expect(Number(last) - Number(first) + 1).toBe(chunk.bytes);
      offset += chunk.bytes;
      if (i < chunks.length - 1) {
        expect(total).toBe('*');
        expect(chunk.bytes % CHUNK).toBe(0);
        expect(chunk.status).toBe(308);
      } else {
        expect(Number(total)).toBe(offset);
        expect(chunk.status).toBe(200);
      }
    }
    expect(offset).toBe(result.bytes);
    expect(await countRows(target(config), 'events')).toBe(3_000);
    expect(fake.requests.map((r) => r.api)).not.toContain('upload');
  });

  it('sends chunks while the window is still being read (streams, never buffers the window)', async () => {
    const config = await prepared();
    fake.resetLog();
    let chunksSeenBeforeTheEnd = 0;
    async function* window(): AsyncGenerator<EventRow[]> {
      yield* generatedBatches(3_000, 500);
      // Give the in-flight chunk its answer, then look.
      await new Promise((resolve) => setTimeout(resolve, 50));
      chunksSeenBeforeTheEnd = fake.requests.filter((r) => r.api === 'upload.chunk').length;
      yield [contractEvent(999_999)];
    }
    await load(config, window());
    expect(chunksSeenBeforeTheEnd).toBeGreaterThanOrEqual(2);
    const largest = Math.max(...uploads().map((r) => r.bytes));
    expect(largest, 'no request carries more than a few chunks').toBeLessThanOrEqual(4 * CHUNK);
  });

  it('a window larger than a multipart upload may be (5 MiB) loads whole with the default 8 MiB chunks', async () => {
    const big = createBigqueryDestination({ authClient: staticTokenClient(), pollIntervalMs: 5 });
    const config = await prepared(big);
    fake.resetLog();
    const result = await load(config, generatedBatches(20_000, 1_000), big);
    expect(result.bytes).toBeGreaterThan(5 * KIB * KIB);
    expect(await countRows(target(config), 'events')).toBe(20_000);
    const chunks = fake.requests.filter((r) => r.api === 'upload.chunk');
    expect(chunks).toHaveLength(Math.ceil(result.bytes / (8 * KIB * KIB)));
    expect(chunks[0]!.bytes).toBe(8 * KIB * KIB);
  });
});

describe('bigquery destination: an interrupted upload is resumed from what the session persisted', () => {
  async function loadChecked(fault: Parameters<typeof fake.injectFault>[1], times: number) {
    const config = await prepared(destination, { requestTimeoutMs: 1_000 });
    fake.resetLog();
    // The second chunk fails (the first opens the way; matching the second needs a skip).
    let seen = 0;
    const rows = Array.from({ length: 1_200 }, (_, i) => contractEvent(i));
    async function* window(): AsyncGenerator<EventRow[]> {
      for (let i = 0; i < rows.length; i += 200) {
        if (seen++ === 2) fake.injectFault({ api: 'upload.chunk' }, fault, times);
        yield rows.slice(i, i + 200);
      }
    }
    return {
      config,
      rows,
      outcome: await load(config, window()).then(
        (result) => ({ result }),
        (error: unknown) => ({ error }),
      ),
    };
  }

  const cases = [
    { name: 'a dropped connection (nothing persisted)', fault: { type: 'drop' as const } },
    { name: 'a response lost after the chunk was persisted', fault: { type: 'lostResponse' as const } },
    { name: 'HTTP 503', fault: { type: 'http' as const, status: 503, reason: 'backendError' } },
    { name: 'a chunk left unanswered past the request deadline', fault: { type: 'hang' as const } },
  ];
  for (const c of cases) {
    it(`${c.name}: asks the session (bytes */*), resumes, and every row lands once`, async () => {
      const { config, rows, outcome } = await loadChecked(c.fault, 1);
      expect(outcome).toMatchObject({ result: { rowsStaged: rows.length } });
      const apis = uploads().map((r) => r.api);
      expect(apis).toContain('upload.status');
      const status = uploads().find((r) => r.api === 'upload.status')!;
      expect(status.contentRange).toBe('bytes */*');
      // The fake refuses a chunk that does not start at the persisted offset: no byte went twice.
      expect(uploads().filter((r) => r.status === 400)).toEqual([]);
      const stored = await readEvents(target(config));
      expect(stored.map((r) => r.event_id).sort()).toEqual(rows.map((r) => r.event_id).sort());
    });
  }

  for (const kept of [CHUNK / 2, 1_000]) {
    it(`a chunk of which the server keeps only ${kept} bytes (308 with a shorter Range): the rest goes again`, async () => {
      const { config, rows, outcome } = await loadChecked({ type: 'persistOnly', bytes: kept }, 1);
      expect(outcome).toMatchObject({ result: { rowsStaged: rows.length } });
      expect(uploads().filter((r) => r.status === 400)).toEqual([]);
      const starts = uploads()
        .filter((r) => r.api === 'upload.chunk')
        .map((r) => Number(/^bytes (\d+)/.exec(r.contentRange ?? '')?.[1]));
      expect(
        starts.some((start) => start % CHUNK !== 0),
        'a chunk started where the server stopped',
      ).toBe(true);
      const stored = await readEvents(target(config));
      expect(stored.map((r) => r.event_id).sort()).toEqual(rows.map((r) => r.event_id).sort());
    });
  }

  it('after three interruptions the error goes to the host (retryable), and nothing was loaded', async () => {
    const { config, outcome } = await loadChecked({ type: 'http', status: 503, reason: 'backendError' }, 10);
    fake.clearFaults();
    const error = (outcome as { error?: unknown }).error;
    expect(classifyError(error), String(error)).toBe('retryable');
    expect(String((error as Error).message)).toMatch(/^loading raw_events: .*\(backendError, HTTP 503\)/);
    expect(uploads().filter((r) => r.api === 'upload.status').length).toBeLessThanOrEqual(3);
    expect(await countRows(target(config), 'events')).toBe(0);
    expect(await countRows(target(config), 'raw_events')).toBe(0);
  });

  it('a 4xx on a chunk is not resumed: it is classified and thrown', async () => {
    const { outcome } = await loadChecked(
      { type: 'http', status: 403, reason: 'accessDenied', message: 'Access Denied: Table raw_events' },
      1,
    );
    const error = (outcome as { error?: unknown }).error;
    expect(classifyError(error)).toBe('permanent');
    expect(uploads().map((r) => r.api)).not.toContain('upload.status');
  });
});

describe('ResumableUpload encodes text straight into chunks', () => {
  it('splits multi-byte characters across chunk boundaries byte for byte, every chunk but the last a multiple of 256 KiB', async () => {
    const bodies: { range: string; body: Buffer }[] = [];
    let persisted = 0;
    const upload = new ResumableUpload({
      apiEndpoint: 'http://127.0.0.1:1',
      projectId: 'p',
      job: {},
      chunkBytes: CHUNK,
      requestTimeoutMs: 1_000,
      transport: async ({ method, headers, body }) => {
        if (method === 'POST') return { status: 200, header: () => 'http://127.0.0.1:1/session', text: '' };
        const buffer = Buffer.isBuffer(body) ? Buffer.from(body) : Buffer.alloc(0);
        bodies.push({ range: headers['content-range']!, body: buffer });
        persisted += buffer.length;
        const last = !headers['content-range']!.endsWith('/*');
        return {
          status: last ? 200 : 308,
          header: (name) => (name === 'range' ? `bytes=0-${persisted - 1}` : null),
          text: '{"done":true}',
        };
      },
    });
    // ASCII, 2-, 3- and 4-byte characters (a surrogate pair), in pieces of odd sizes.
    const alphabet = ['a', 'é', '€', '😀', '\n', 'z'];
    const parts: string[] = [];
    for (let i = 0, bytes = 0; bytes < 3 * CHUNK; i += 1) {
      const part = alphabet[(i * 7) % alphabet.length]!.repeat(1 + (i % 13));
      parts.push(part);
      bytes += Buffer.byteLength(part);
    }
    const text = parts.join('');
    for (let at = 0; at < text.length;) {
      let size = 1 + ((at * 31) % 50_000);
      if (/[\uD800-\uDBFF]/.test(text[at + size - 1] ?? '')) size += 1; // never cut a surrogate pair
      const wait = upload.write(text.slice(at, at + size));
      if (wait) await wait;
      at += size;
    }
    expect(await upload.finish()).toEqual({ done: true });
    expect(Buffer.concat(bodies.map((b) => b.body)).equals(Buffer.from(text))).toBe(true);
    expect(upload.bytes).toBe(Buffer.byteLength(text));
    for (const { range, body } of bodies.slice(0, -1)) {
      expect(range).toMatch(/\/\*$/);
      expect(body.length % CHUNK).toBe(0);
    }
    expect(bodies.at(-1)!.range).toBe(
      `bytes ${Buffer.byteLength(text) - bodies.at(-1)!.body.length}-${Buffer.byteLength(text) - 1}/${Buffer.byteLength(text)}`,
    );
  });
});

describe('the fake enforces the resumable upload protocol (so a client that breaks it fails)', () => {
  const auth = { authorization: 'Bearer fake' };
  const job = (datasetId: string) => ({
    jobReference: { projectId: fake.projectId, jobId: `manual_${Math.random().toString(36).slice(2)}`, location: 'US' },
    configuration: {
      load: {
        destinationTable: { projectId: fake.projectId, datasetId, tableId: 'raw_events' },
        sourceFormat: 'NEWLINE_DELIMITED_JSON',
        writeDisposition: 'WRITE_APPEND',
      },
    },
  });

  async function session(): Promise<string> {
    const config = await prepared();
    const response = await fetch(`${fake.url}/upload/bigquery/v2/projects/${fake.projectId}/jobs?uploadType=resumable`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify(job(config.datasetId)),
    });
    expect(response.status).toBe(200);
    return response.headers.get('location')!;
  }

  const put = (url: string, range: string, body?: Buffer) =>
    fetch(url, {
      method: 'PUT',
      headers: { ...auth, 'content-range': range },
      body: body as Uint8Array<ArrayBuffer> | undefined,
      redirect: 'manual',
    });

  // NDJSON of whole rows, padded with spaces (valid JSON whitespace) to an exact size.
  function ndjson(size: number): Buffer {
    const lines: Buffer[] = [];
    let bytes = 0;
    for (let i = 0; bytes < size - 2_000; i += 1) {
      const line = Buffer.from(eventLine(contractEvent(i)));
      lines.push(line);
      bytes += line.length;
    }
    return Buffer.concat([...lines, Buffer.alloc(size - bytes, ' ')]);
  }

  it('answers 308 with the persisted Range, then the job on the last chunk', async () => {
    const url = await session();
    const data = ndjson(CHUNK + 10_000);
    const status = await put(url, 'bytes */*');
    expect(status.status).toBe(308);
    expect(status.headers.get('range')).toBeNull();
    const first = await put(url, `bytes 0-${CHUNK - 1}/*`, data.subarray(0, CHUNK));
    expect(first.status).toBe(308);
    expect(first.headers.get('range')).toBe(`bytes=0-${CHUNK - 1}`);
    const last = await put(url, `bytes ${CHUNK}-${data.length - 1}/${data.length}`, data.subarray(CHUNK));
    expect(last.status).toBe(200);
    expect(await last.json()).toMatchObject({ status: { state: 'DONE' }, statistics: { load: { inputFileBytes: String(data.length) } } });
    expect((await put(url, `bytes */${data.length}`)).status).toBe(200);
  });

  it('refuses a non-final chunk that is not a multiple of 256 KiB', async () => {
    const url = await session();
    const response = await put(url, `bytes 0-99999/*`, ndjson(100_000));
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/multiple of 256 KiB/);
  });

  it('refuses a chunk that does not start at the persisted offset, or whose range and body differ', async () => {
    const url = await session();
    const data = ndjson(2 * CHUNK + 1);
    expect((await put(url, `bytes 0-${CHUNK - 1}/*`, data.subarray(0, CHUNK))).status).toBe(308);
    const again = await put(url, `bytes 0-${CHUNK - 1}/*`, data.subarray(0, CHUNK));
    expect(again.status).toBe(400);
    expect(await again.text()).toMatch(/persisted 262144 bytes/);
    const short = await put(url, `bytes ${CHUNK}-${2 * CHUNK - 1}/*`, data.subarray(CHUNK, CHUNK + 100));
    expect(short.status).toBe(400);
    const last = await put(url, `bytes ${CHUNK}-${2 * CHUNK}/${2 * CHUNK + 1}`, data.subarray(CHUNK));
    expect(last.status).toBe(200);
    expect((await put(url, `bytes */${2 * CHUNK + 5}`)).status).toBe(400);
  });

  it("refuses a multipart upload beyond 5 MiB: the SDK's own load of a large file fails, as the old plugin did", async () => {
    const config = await prepared();
    const dir = await mkdtemp(join(tmpdir(), 'bq-multipart-'));
    try {
      const file = join(dir, 'window.ndjson');
      await writeFile(file, ndjson(6 * KIB * KIB));
      const bigquery = new BigQuery({
        projectId: fake.projectId,
        apiEndpoint: fake.url,
        authClient: staticTokenClient(),
        autoRetry: false,
      });
      const table = bigquery.dataset(config.datasetId).table('raw_events');
      await expect(table.createLoadJob(file, { sourceFormat: 'NEWLINE_DELIMITED_JSON' })).rejects.toMatchObject({
        code: 413,
        message: expect.stringMatching(/upload large files with uploadType=resumable/),
      });
      // A small one still goes through, as BigQuery allows.
      await writeFile(file, ndjson(64 * KIB));
      const [small] = await table.createLoadJob(file, { sourceFormat: 'NEWLINE_DELIMITED_JSON' });
      expect(small.metadata.status.state).toBe('DONE');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
