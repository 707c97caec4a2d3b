// The S3 side of a load: uploads the files and their COPY manifest, deletes them afterwards.
import { createReadStream } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { DeleteObjectsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { DestinationContext } from '@tributary/destination-sdk';
import type { AwsCredentialIdentityProvider } from './credentials.ts';
import type { RedshiftDestinationConfig } from './index.ts';
import type { LoadFile } from './load-files.ts';

/** Uploads in flight at once: enough to fill a link to S3, few enough to keep sockets and reads bounded. */
const UPLOAD_CONCURRENCY = 4;

/** S3 access of one connection: a client created on first use, signed with `credentials`. */
export function createS3Staging(config: RedshiftDestinationConfig, credentials: AwsCredentialIdentityProvider, ctx: DestinationContext) {
  let client: S3Client | undefined;
  const bucket = config.s3Bucket;

  function s3(): S3Client {
    client ??= new S3Client({
      region: config.s3Region ?? config.region,
      credentials,
      // An endpoint override (VPC endpoint, test server) is addressed by path, not by host name.
      ...(config.s3Endpoint ? { endpoint: config.s3Endpoint, forcePathStyle: true } : {}),
      maxAttempts: 3,
      requestHandler: { requestTimeout: 300_000, connectionTimeout: 10_000, throwOnRequestTimeout: true },
    });
    return client;
  }

  async function send<T>(description: string, command: object): Promise<T> {
    ctx.signal?.throwIfAborted();
    ctx.onStatement?.(description);
    return (await s3().send(command as never, ctx.signal ? { abortSignal: ctx.signal } : {})) as T;
  }

  /**
   * Uploads `files` (streamed from disk) and a manifest listing each as mandatory, under
   * `<prefix><schema>/<load id>/`, and returns the manifest's `s3://` URL, what COPY … MANIFEST
   * reads. COPY then fails if any file is missing rather than loading part of the window. Each
   * key is added to `keys` before its upload starts, so the caller can delete whatever a failed
   * upload left.
   */
  async function upload(files: readonly LoadFile[], keys: string[]): Promise<string> {
    const folder = `${config.s3Prefix}${config.schema}/${new Date().toISOString().replace(/[-:.]/g, '')}-${randomBytes(4).toString('hex')}/`;
    const queue = [...files];
    const worker = async () => {
      for (let file = queue.shift(); file; file = queue.shift()) {
        const key = `${folder}${file.name}`;
        keys.push(key);
        await send(
          `put s3://${bucket}/${key}`,
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: createReadStream(file.path),
            ContentLength: file.bytes,
            ContentType: 'application/zstd',
          }),
        );
      }
    };
    await Promise.all(Array.from({ length: Math.min(UPLOAD_CONCURRENCY, files.length) }, worker));
    const manifestKey = `${folder}manifest.json`;
    const manifest = {
      entries: files.map((file) => ({
        url: `s3://${bucket}/${folder}${file.name}`,
        mandatory: true,
        meta: { content_length: file.bytes },
      })),
    };
    keys.push(manifestKey);
    await send(
      `put s3://${bucket}/${manifestKey}`,
      new PutObjectCommand({ Bucket: bucket, Key: manifestKey, Body: JSON.stringify(manifest), ContentType: 'application/json' }),
    );
    return `s3://${bucket}/${manifestKey}`;
  }

  /** Deletes the objects of a load (one DeleteObjects call per 1,000 keys, the API's maximum). */
  async function remove(keys: readonly string[]): Promise<void> {
    for (let start = 0; start < keys.length; start += 1000) {
      const part = keys.slice(start, start + 1000);
      const folder = part[0]!.slice(0, part[0]!.lastIndexOf('/') + 1);
      const result = await send<{ Errors?: { Key?: string; Code?: string; Message?: string }[] }>(
        `delete s3://${bucket}/${folder}* (${part.length} objects)`,
        new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: part.map((Key) => ({ Key })), Quiet: true } }),
      );
      const failed = result.Errors?.[0];
      if (failed)
        throw new Error(
          `S3 kept ${result.Errors!.length} of the load's objects: ${failed.Code ?? 'error'}: ${failed.Message ?? ''} (${failed.Key ?? ''})`,
        );
    }
  }

  function close(): void {
    client?.destroy();
    client = undefined;
  }

  return { upload, remove, close };
}
