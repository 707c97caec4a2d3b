/**
 * moto's server (PyPI `moto[server]`, test/requirements.txt): a maintained S3 (and STS)
 * implementation the Redshift tests stage their load files on. .ci/run starts it on a free port
 * and exports TRIBUTARY_S3_ENDPOINT; locally, start it yourself:
 *
 *   moto_server -H 127.0.0.1 -p 5009 &  export TRIBUTARY_S3_ENDPOINT=http://127.0.0.1:5009
 */
import { randomBytes } from 'node:crypto';
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
export function motoS3(region = 'us-east-1'): S3Client {
  return new S3Client({
    region,
    endpoint: motoEndpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'AKIAMOTOTESTCLIENT01', secretAccessKey: 'moto' },
  });
}

/** Creates a bucket of its own on moto, in `region`, and returns its name. */
export async function createMotoBucket(region = 'us-east-1'): Promise<string> {
  const bucket = `tributary-test-${randomBytes(6).toString('hex')}`;
  const s3 = motoS3(region);
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
