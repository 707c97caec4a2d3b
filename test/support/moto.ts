/**
 * moto's server (PyPI `moto[server]`, test/requirements.txt): a maintained S3 (and STS)
 * implementation the Redshift tests stage their load files on. .ci/run starts it on a free port
 * and exports TRIBUTARY_S3_ENDPOINT; locally, start it yourself:
 *
 *   moto_server -H 127.0.0.1 -p 5009 &  export TRIBUTARY_S3_ENDPOINT=http://127.0.0.1:5009
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { BucketLocationConstraint } from '@aws-sdk/client-s3';
import { requirement } from './requirements.ts';

/** moto's URL (S3 and STS on one port), or undefined when it is not running. */
export const motoEndpoint: string | undefined = process.env.TRIBUTARY_S3_ENDPOINT || undefined;

/** True when moto is there; otherwise skips locally with a message, and fails in CI. */
export function hasMoto(): boolean {
  return requirement(
    'moto (S3 and STS for the Redshift tests)',
    motoEndpoint !== undefined,
    'pip install -r test/requirements.txt, start `moto_server -H 127.0.0.1 -p 5009` and set TRIBUTARY_S3_ENDPOINT=http://127.0.0.1:5009 (.ci/run does both)',
  );
}

/** An S3 client on moto. */
export function motoS3(region = 'us-east-1', endpoint = motoEndpoint): S3Client {
  return new S3Client({
    region,
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'AKIAMOTOTESTCLIENT01', secretAccessKey: 'moto' },
  });
}

/** Creates a bucket of its own on moto, in `region`, and returns its name. */
export async function createMotoBucket(region = 'us-east-1', endpoint = motoEndpoint): Promise<string> {
  const bucket = `tributary-test-${randomBytes(6).toString('hex')}`;
  const s3 = motoS3(region, endpoint);
  try {
    await s3.send(
      new CreateBucketCommand({
        Bucket: bucket,
        ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
      }),
    );
  } finally {
    s3.destroy();
  }
  return bucket;
}

/** Every key in a bucket. */
export async function listMotoKeys(bucket: string, region = 'us-east-1'): Promise<string[]> {
  const s3 = motoS3(region);
  try {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ...(token ? { ContinuationToken: token } : {}) }));
      for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
      token = page.NextContinuationToken;
    } while (token);
    return keys;
  } finally {
    s3.destroy();
  }
}

/**
 * Starts moto's server on a free loopback port (for the benchmark; tests take .ci/run's): the
 * `moto_server` next to TRIBUTARY_PYTHON, else the one on PATH.
 */
export async function startMotoServer(): Promise<{ endpoint: string; stop: () => void }> {
  const python = process.env.TRIBUTARY_PYTHON;
  const command = python ? path.join(path.dirname(python), 'moto_server') : 'moto_server';
  const child = spawn(command, ['-H', '127.0.0.1', '-p', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`moto_server did not start within 30 s: ${output}`)), 30_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /Running on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve(url);
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.once('error', (err) => reject(new Error(`cannot start ${command} (pip install -r test/requirements.txt): ${err.message}`)));
  });
  // Its request log is not wanted once it runs.
  child.stdout.removeAllListeners('data').resume();
  child.stderr.removeAllListeners('data').resume();
  return { endpoint, stop: () => child.kill() };
}
