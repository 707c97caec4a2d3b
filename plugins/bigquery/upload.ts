/**
 * BigQuery's resumable upload protocol for load jobs (jobs.insert on the `/upload` URI with
 * `uploadType=resumable`), as Google documents it in "API uploads": one POST with the job
 * resource opens a session whose URI comes back in `Location`; the data follows in PUT requests
 * carrying `Content-Range: bytes a-b/*` (every chunk but the last a multiple of 256 KiB), each
 * answered `308 Resume Incomplete` with the `Range` persisted so far; the last chunk names the
 * total (`bytes a-b/total`) and is answered 200/201 with the job.
 *
 * @google-cloud/bigquery 8 only speaks multipart uploads (one request holding the whole file,
 * lost entirely when the connection drops), which Google advises for small files only. This
 * module streams the window instead: bytes are sent as soon as a chunk is full, while the rows
 * behind it are still being encoded, and memory holds at most a few chunks whatever the window.
 *
 * An interrupted chunk (a dropped connection, a timeout, HTTP 5xx/408/429) is resumed the way
 * the protocol says: an empty PUT with `Content-Range: bytes *\/total` asks what the session
 * persisted, and the upload continues from there. That is not a retry of the operation (nothing
 * is repeated that the server has, and nothing waits): after {@link MAX_INTERRUPTIONS} the error
 * goes to the host, which owns retries. A session that never gets its last chunk creates no job.
 */
import { Buffer } from 'node:buffer';
import { PermanentError, RetryableError } from '@tributary/destination-sdk';

/** Google's rule: every chunk but the last is a multiple of 256 KiB. */
export const CHUNK_GRANULE = 256 * 1024;

/**
 * The default chunk size: the 8 MiB Google recommends as a minimum, which keeps the bytes held
 * per upload small (about two chunks) while each request still moves enough to hide its latency.
 */
export const DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024;

/** Interruptions resumed within one upload before the error goes to the host. */
export const MAX_INTERRUPTIONS = 3;

/**
 * While a chunk is in flight, the writer yields to the event loop after this many bytes: the
 * socket only moves the chunk when the event loop runs, and encoding rows never lets it.
 */
const YIELD_EVERY_BYTES = 512 * 1024;

/** An HTTP answer of the upload endpoints, shaped like the SDK's `ApiError` for classification. */
export class UploadHttpError extends Error {
  readonly code: number;
  readonly errors: { reason?: string; message?: string }[];

  constructor(status: number, body: string) {
    let message = `HTTP ${status}`;
    let errors: { reason?: string; message?: string }[] = [];
    try {
      const parsed = JSON.parse(body) as { error?: { message?: string; errors?: { reason?: string; message?: string }[] } };
      message = parsed.error?.message ?? message;
      errors = parsed.error?.errors ?? [];
    } catch {
      // not a JSON error body (a proxy's page): the status says enough, the body is not echoed
    }
    super(message);
    this.code = status;
    this.errors = errors;
  }
}

/** One HTTP request of the upload, as {@link UploadTransport} sends it. */
export interface UploadRequest {
  url: string;
  method: 'POST' | 'PUT';
  headers: Record<string, string>;
  body?: string | Buffer;
  signal: AbortSignal;
}

/** Its answer; every status resolves (only network failures reject). */
export interface UploadResponse {
  status: number;
  header(name: string): string | null;
  text: string;
}

/**
 * Sends an authorized request. The connection passes the auth client's own `request` (gaxios),
 * so uploads get the same bearer tokens, refreshes and proxy settings as the SDK's calls.
 */
export type UploadTransport = (request: UploadRequest) => Promise<UploadResponse>;

/** What {@link ResumableUpload} needs. */
export interface ResumableUploadOptions {
  /** The API root, e.g. `https://bigquery.googleapis.com` (or an endpoint override). */
  apiEndpoint: string;
  projectId: string;
  /** The job resource: `jobReference` and `configuration.load`. */
  job: Record<string, unknown>;
  transport: UploadTransport;
  /** Bytes of every chunk but the last; a multiple of {@link CHUNK_GRANULE}. */
  chunkBytes: number;
  /** Deadline of one request (the initiation, one chunk, one status query). */
  requestTimeoutMs: number;
  signal?: AbortSignal;
}

/** What the last request answered, when it finished the upload. */
type JobResource = Record<string, unknown>;

const RESUMABLE_STATUS = (status: number) => status === 408 || status === 429 || status >= 500;

const utf8 = new TextEncoder();

/**
 * One resumable upload: `write` the data in order, then `finish` to send the last chunk and get
 * the job resource. Text is encoded straight into chunk-sized buffers, which are sent as they
 * fill (one in flight at a time) and reused once the server has them: memory holds at most four
 * chunks (the one in flight, one waiting, the one filling, one spare) whatever the upload's size,
 * and sending a chunk copies nothing.
 */
export class ResumableUpload {
  private session: string | undefined;
  /** Filled chunks not yet persisted by the server, in order; `pending[0]` starts at `persisted`. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private persisted = 0;
  /** The chunk being filled, and how far. */
  private current: Buffer | undefined;
  private fill = 0;
  /** Chunk buffers the server has persisted, ready for reuse. */
  private readonly free: Buffer[] = [];
  private inFlight: Promise<void> | undefined;
  private failure: unknown;
  private interruptions = 0;
  /** Requests sent (initiation, chunks, status queries), for tests and logs. */
  requests = 0;
  /** Bytes written so far. */
  bytes = 0;
  private yieldedAt = 0;

  private readonly options: ResumableUploadOptions;
  constructor(options: ResumableUploadOptions) {
    this.options = options;
    if (options.chunkBytes <= 0 || options.chunkBytes % CHUNK_GRANULE !== 0) {
      throw new RangeError(`chunkBytes must be a positive multiple of ${CHUNK_GRANULE}`);
    }
  }

  /**
   * Appends text (UTF-8), e.g. one NDJSON line. Returns a promise only when the caller should
   * wait: a chunk is in flight and another waits behind it, or the event loop must run so the
   * chunk in flight moves. Throws the error of a failed chunk.
   */
  write(text: string): Promise<void> | undefined {
    if (this.failure) throw this.failure;
    let rest = text;
    while (rest.length > 0) {
      this.current ??= this.free.pop() ?? Buffer.allocUnsafeSlow(this.options.chunkBytes);
      // Encodes as much as fits, whole characters only, straight into the chunk.
      const { read, written } = utf8.encodeInto(rest, this.current.subarray(this.fill));
      this.fill += written;
      this.bytes += written;
      rest = read === rest.length ? '' : rest.slice(read);
      if (rest.length > 0 && this.fill < this.current.length) {
        // A character of several bytes straddles the chunk's end: its bytes are split.
        const wide = rest.codePointAt(0)! > 0xffff ? 2 : 1;
        const bytes = Buffer.from(rest.slice(0, wide));
        const head = bytes.copy(this.current, this.fill);
        this.fill += head;
        this.seal();
        this.current = this.free.pop() ?? Buffer.allocUnsafeSlow(this.options.chunkBytes);
        this.fill = bytes.copy(this.current, 0, head);
        this.bytes += bytes.length;
        rest = rest.slice(wide);
      }
      if (this.fill === this.current.length) this.seal();
    }
    return this.pump();
  }

  /** Sends what is left (full chunks, then the last one) and returns the job BigQuery created. */
  async finish(): Promise<JobResource> {
    await this.inFlight;
    if (this.failure) throw this.failure;
    if (this.current && this.fill > 0) {
      this.pending.push(this.current.subarray(0, this.fill));
      this.pendingBytes += this.fill;
    }
    this.current = undefined;
    if (this.persisted + this.pendingBytes === 0) throw new PermanentError('an upload needs at least one byte');
    while (this.pendingBytes > this.options.chunkBytes) await this.sendChunk(this.options.chunkBytes, false);
    for (;;) {
      const before = this.persisted;
      const job = await this.sendChunk(this.pendingBytes, true);
      if (job) return job;
      // A 308 to the last chunk: the server kept part of it and the rest goes again, unless it
      // kept nothing, which counts as an interruption.
      if (this.persisted === before && ++this.interruptions > MAX_INTERRUPTIONS) {
        throw new RetryableError('the upload session keeps refusing the last chunk');
      }
    }
  }

  private seal(): void {
    this.pending.push(this.current!);
    this.pendingBytes += this.current!.length;
    this.current = undefined;
    this.fill = 0;
  }

  // Starts sending a full chunk when nothing is in flight and bytes follow it (so the last chunk
  // is never empty); asks the writer to wait when a full chunk already waits behind the one in flight.
  private pump(): Promise<void> | undefined {
    const { chunkBytes } = this.options;
    if (!this.inFlight && this.pendingBytes >= chunkBytes && this.pendingBytes + this.fill > chunkBytes) {
      this.inFlight = this.sendChunk(chunkBytes, false).then(
        () => {
          this.inFlight = undefined;
        },
        (err: unknown) => {
          this.inFlight = undefined;
          this.failure = err;
        },
      );
    }
    if (this.inFlight && this.pendingBytes >= 2 * chunkBytes) {
      return this.inFlight.then(() => {
        if (this.failure) throw this.failure;
        return this.pump();
      });
    }
    if (this.inFlight && this.bytes - this.yieldedAt >= YIELD_EVERY_BYTES) {
      this.yieldedAt = this.bytes;
      return new Promise((resolve) => setImmediate(resolve));
    }
    return undefined;
  }

  private async initiate(): Promise<string> {
    const { apiEndpoint, projectId, job } = this.options;
    const url = `${apiEndpoint}/upload/bigquery/v2/projects/${encodeURIComponent(projectId)}/jobs?uploadType=resumable`;
    const response = await this.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=UTF-8', 'x-upload-content-type': 'application/octet-stream' },
      body: JSON.stringify(job),
    });
    if (response.status !== 200 && response.status !== 201) throw new UploadHttpError(response.status, response.text);
    const location = response.header('location');
    if (!location) throw new RetryableError('BigQuery opened no upload session (no Location header)');
    return this.checkedSession(location);
  }

  // The session URI receives the bearer token: it must stay on the API's own origin (or on
  // Google's, when the API is Google's), never wherever an answer points.
  private checkedSession(location: string): string {
    let session: URL;
    try {
      session = new URL(location, this.options.apiEndpoint);
    } catch {
      throw new PermanentError('BigQuery answered an upload session URI that is not a URL');
    }
    const api = new URL(this.options.apiEndpoint);
    const sameOrigin = session.origin === api.origin;
    const google =
      api.hostname.endsWith('.googleapis.com') && session.protocol === 'https:' && session.hostname.endsWith('.googleapis.com');
    if (!sameOrigin && !google) throw new PermanentError(`BigQuery answered an upload session on another host (${session.host})`);
    return session.href;
  }

  /**
   * Sends the first `size` pending bytes (rounded down to the granule unless `last`). Resolves
   * with the job when the upload is complete, otherwise undefined once the server's persisted
   * offset moved; interruptions are resumed from the persisted offset.
   */
  private async sendChunk(size: number, last: boolean): Promise<JobResource | undefined> {
    let bytes = last ? this.pendingBytes : Math.min(size, Math.floor(this.pendingBytes / CHUNK_GRANULE) * CHUNK_GRANULE);
    // A chunk that is not the last leaves at least one byte for the last one.
    if (!last && bytes >= this.pendingBytes + (this.current ? this.fill : 0)) bytes -= CHUNK_GRANULE;
    if (bytes <= 0 && !last) return undefined;
    this.session ??= await this.initiate();
    const body = this.take(bytes);
    const start = this.persisted;
    const end = start + body.length - 1;
    const total = last ? String(start + body.length) : '*';
    let response: UploadResponse;
    try {
      response = await this.request(this.session, {
        method: 'PUT',
        headers: { 'content-range': `bytes ${start}-${end}/${total}` },
        body,
      });
    } catch (err) {
      return this.resume(err, last ? start + body.length : undefined);
    }
    return this.settle(response, last ? start + body.length : undefined);
  }

  /** Handles the answer to a chunk or a status query. */
  private async settle(response: UploadResponse, total: number | undefined): Promise<JobResource | undefined> {
    if (response.status === 200 || response.status === 201) {
      if (total === undefined) throw new PermanentError('BigQuery finished the upload before its last chunk');
      this.acknowledge(total);
      return JSON.parse(response.text) as JobResource;
    }
    if (response.status === 308) {
      const range = /^bytes=0-(\d+)$/.exec(response.header('range') ?? '');
      const persisted = range ? Number(range[1]) + 1 : 0;
      if (persisted < this.persisted) throw new RetryableError('the upload session lost bytes it had acknowledged');
      this.acknowledge(persisted);
      return undefined;
    }
    const error = new UploadHttpError(response.status, response.text);
    if (RESUMABLE_STATUS(response.status)) return this.resume(error, total);
    throw error;
  }

  /** After an interruption: asks the session what it has, and goes on from there. */
  private async resume(cause: unknown, total: number | undefined): Promise<JobResource | undefined> {
    this.options.signal?.throwIfAborted();
    this.interruptions += 1;
    if (this.interruptions > MAX_INTERRUPTIONS || !this.session) throw cause;
    const known = total ?? '*';
    let response: UploadResponse;
    try {
      response = await this.request(this.session, { method: 'PUT', headers: { 'content-range': `bytes */${known}` } });
    } catch (err) {
      return this.resume(err, total);
    }
    if (response.status === 404 || response.status === 410) {
      throw new RetryableError(`the upload session expired (HTTP ${response.status})`, {
        cause: new UploadHttpError(response.status, response.text),
      });
    }
    return this.settle(response, total);
  }

  /** The first `bytes` pending bytes as one buffer (they stay pending until acknowledged). */
  private take(bytes: number): Buffer {
    const parts: Buffer[] = [];
    let needed = bytes;
    for (const part of this.pending) {
      if (needed === 0) break;
      const piece = part.length <= needed ? part : part.subarray(0, needed);
      parts.push(piece);
      needed -= piece.length;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, bytes);
  }

  /** Drops the pending bytes before `offset`, which the server has persisted, reusing whole chunks. */
  private acknowledge(offset: number): void {
    let drop = offset - this.persisted;
    if (drop > this.pendingBytes) throw new RetryableError('the upload session acknowledged bytes it was never sent');
    this.persisted = offset;
    this.pendingBytes -= drop;
    while (drop > 0) {
      const first = this.pending[0]!;
      if (first.length <= drop) {
        this.pending.shift();
        drop -= first.length;
        // The last view of a whole chunk buffer: the buffer is free again.
        if (
          first.byteOffset + first.length === first.buffer.byteLength &&
          first.buffer.byteLength === this.options.chunkBytes &&
          this.free.length < 1
        ) {
          this.free.push(Buffer.from(first.buffer));
        }
      } else {
        this.pending[0] = first.subarray(drop);
        drop = 0;
      }
    }
  }

  private async request(
    url: string,
    init: { method: 'POST' | 'PUT'; headers: Record<string, string>; body?: string | Buffer },
  ): Promise<UploadResponse> {
    this.options.signal?.throwIfAborted();
    this.requests += 1;
    const timeout = AbortSignal.timeout(this.options.requestTimeoutMs);
    const signal = this.options.signal ? AbortSignal.any([this.options.signal, timeout]) : timeout;
    try {
      return await this.options.transport({ url, ...init, signal });
    } catch (err) {
      if (timeout.aborted)
        throw new RetryableError(`an upload request timed out after ${this.options.requestTimeoutMs} ms`, { cause: err });
      throw err;
    }
  }
}
