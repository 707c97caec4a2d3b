/**
 * The S3 + COPY path of the Redshift plugin: how it splits and stages a window, the COPY rules
 * the Data API fake enforces (so a plugin that broke them would fail here), the bucket's region,
 * the clean-up of the load files, and TRUNCATE's implicit commit.
 */
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import {
  BatchExecuteStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  RedshiftDataClient,
} from '@aws-sdk/client-redshift-data';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractEvent, generatedBatches, tombstoneOf } from '@tributary/destination-sdk/testing';
import { jsonLine, writeLoadFiles } from '../../plugins/redshift/load-files.ts';
import { FAKE_COPY_ROLE, RedshiftDataFake } from '../fakes/redshift-data-fake.ts';
import { createMotoBucket, hasMoto, listMotoKeys, motoEndpoint, motoS3 } from '../support/moto.ts';
import { countRows, failure, once, redshiftTestConfig, withRedshift } from '../support/redshift.ts';

const runs = hasMoto();
let fake: RedshiftDataFake;
let bucket: string;
let dir: string;
beforeAll(async () => {
  if (!runs) return;
  fake = await RedshiftDataFake.start({ awsEndpoint: motoEndpoint });
  bucket = await createMotoBucket();
  dir = await mkdtemp(path.join(os.tmpdir(), 'tributary-copy-'));
});
afterAll(async () => {
  await fake?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('redshift load files', () => {
  it('fills one file to about 1 MB compressed before opening the next, then deals chunks to all of them in turn', async () => {
    const folder = await mkdtemp(path.join(os.tmpdir(), 'tributary-files-'));
    try {
      const small = await writeLoadFiles(generatedBatches(3, 3), folder, 16);
      expect(small.files.map((f) => [f.name, f.rows])).toEqual([['part-000.json.zst', 3]]);

      // Rows that compress like real events (distinct ids, text, URLs): about 600 bytes of JSON each.
      const big = await writeLoadFiles(generatedBatches(200_000, 5_000), folder, 3);
      expect(big.rows).toBe(200_000);
      expect(big.files).toHaveLength(3);
      const rows = big.files.map((f) => f.rows);
      expect(Math.max(...rows) - Math.min(...rows)).toBeLessThanOrEqual(15_000);
      for (const file of big.files) expect(file.bytes).toBeGreaterThan(1024 * 1024);
      expect(big.bytes / big.files.reduce((sum, f) => sum + f.bytes, 0)).toBeGreaterThan(4);
      expect(big.eventTimeRange).toEqual({ from: '2026-11-26T10:00:00.000000Z', to: '2026-11-26T10:59:59.954081Z' });
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('writes each row as one line of JSON whose keys are the raw_events columns, as pinned in the golden file', async () => {
    const rows = [
      contractEvent(1),
      { ...contractEvent(2), event_type: '', event_properties: '{\n  "pretty": "printed",\n  "n": 12345678901234567890\n}' },
      tombstoneOf(contractEvent(3), '2026-11-27T00:00:00.000000Z'),
    ];
    const text = rows.map(jsonLine).join('');
    expect(text.split('\n')).toHaveLength(4);
    const file = fileURLToPath(new URL('./golden/redshift/load-file.jsonl', import.meta.url));
    if (process.env.UPDATE_GOLDEN === '1') await writeFile(file, text);
    expect(text).toBe(await readFile(file, 'utf8'));
    expect(() => jsonLine({ ...contractEvent(4), device_id: '1; DROP TABLE events' })).toThrow(/not a 64-bit integer/);
    expect(() => jsonLine({ ...contractEvent(4), event_time: '2026-11-26 10:00:00' })).toThrow(/not a UTC time/);
  });
});

describe.runIf(runs)('redshift COPY from S3 (moto), as the fake runs it', () => {
  const client = () =>
    new RedshiftDataClient({
      region: 'us-east-1',
      endpoint: fake.endpoint,
      credentials: { accessKeyId: 'AKIAFAKEFAKEFAKE0001', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
  const target = { ClusterIdentifier: 'tributary-cluster', DbUser: 'tributary', Database: 'dev' };

  /** Runs `sqls` as one batch and returns how it ended. */
  async function batch(sqls: string[]): Promise<{ status: string; error?: string }> {
    const api = client();
    try {
      const { Id } = await api.send(new BatchExecuteStatementCommand({ ...target, Sqls: sqls }));
      for (;;) {
        const d = await api.send(new DescribeStatementCommand({ Id }));
        if (d.Status === 'FINISHED' || d.Status === 'FAILED' || d.Status === 'ABORTED')
          return { status: d.Status, ...(d.Error ? { error: d.Error } : {}) };
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    } finally {
      api.destroy();
    }
  }

  async function put(key: string, body: string | Buffer): Promise<string> {
    const s3 = motoS3();
    try {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    } finally {
      s3.destroy();
    }
    return `s3://${bucket}/${key}`;
  }

  let tables = 0;
  async function table(): Promise<string> {
    const name = `copy_t${(tables += 1)}`;
    await fake.query(`CREATE TABLE IF NOT EXISTS ${name} (id BIGINT, at TIMESTAMPTZ, note VARCHAR(64), doc super)`);
    return name;
  }
  const line = (id: string, at: string, note: unknown, doc: unknown) =>
    `${JSON.stringify({ id: 0, at, note, doc }).replace('"id":0', `"id":${id}`)}\n`;
  const gz = (text: string) => gzipSync(text);
  const copy = (
    name: string,
    url: string,
    options = `IAM_ROLE '${FAKE_COPY_ROLE}' MANIFEST GZIP FORMAT AS JSON 'auto' TIMEFORMAT 'auto'`,
  ) => `COPY ${name} FROM '${url}' ${options}`;

  it('loads every mandatory file of the manifest: gzip JSON lines, keys matched to columns, exact 64-bit ids, JSON null as NULL', async () => {
    const name = await table();
    const a = await put(
      't1/a.json.gz',
      gz(
        line('9223372036854775807', '2026-11-26T10:00:00.123456Z', 'é "q"', { k: [1, 2] }) +
          line('-9223372036854775808', '2026-11-26T11:00:00.000001Z', '', null),
      ),
    );
    const b = await put('t1/b.json.gz', gz(`{"id": 3, "ignored": true}\n`));
    const manifest = await put(
      't1/manifest',
      JSON.stringify({
        entries: [
          { url: a, mandatory: true },
          { url: b, mandatory: true },
          { url: `s3://${bucket}/t1/missing`, mandatory: false },
        ],
      }),
    );
    expect(await batch([copy(name, manifest)])).toEqual({ status: 'FINISHED' });
    expect(
      await fake.query(
        `SELECT id::text, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS at, note, doc::text FROM ${name} ORDER BY id`,
      ),
    ).toEqual([
      { id: '-9223372036854775808', at: '2026-11-26 11:00:00.000001', note: '', doc: null },
      { id: '3', at: null, note: null, doc: null },
      { id: '9223372036854775807', at: '2026-11-26 10:00:00.123456', note: 'é "q"', doc: '{"k": [1, 2]}' },
    ]);
  });

  it('loads zstd files with ZSTD, and refuses a gzip file under ZSTD and GZIP together with ZSTD', async () => {
    const name = await table();
    const zst = await put('t5/a.json.zst', zstdCompressSync(line('7', '2026-11-26T10:00:00.000000Z', 'z', { z: true })));
    const gzipped = await put('t5/b.json.gz', gz(line('8', '2026-11-26T10:00:00.000000Z', 'g', {})));
    const manifestOf = (key: string, url: string) => put(key, JSON.stringify({ entries: [{ url, mandatory: true }] }));
    const zstd = `IAM_ROLE '${FAKE_COPY_ROLE}' MANIFEST ZSTD FORMAT AS JSON 'auto' TIMEFORMAT 'auto'`;
    expect(await batch([copy(name, await manifestOf('t5/m', zst), zstd)])).toEqual({ status: 'FINISHED' });
    expect(await fake.query(`SELECT id::text, note, doc::text FROM ${name}`)).toEqual([{ id: '7', note: 'z', doc: '{"z": true}' }]);
    expect((await batch([copy(name, await manifestOf('t5/m-gz', gzipped), zstd)])).status).toBe('FAILED');
    const both = await batch([
      copy(
        name,
        await manifestOf('t5/m-both', zst),
        `IAM_ROLE '${FAKE_COPY_ROLE}' MANIFEST GZIP ZSTD FORMAT AS JSON 'auto' TIMEFORMAT 'auto'`,
      ),
    ]);
    expect(both.error).toContain('conflicting or redundant options');
    expect(await countRows(fake, 'public', name)).toBe(1);
  });

  it('refuses what Redshift refuses: a missing mandatory file, no IAM_ROLE, a role the cluster does not have, a file that is not gzip, ISO times without TIMEFORMAT, a JSON object above 4 MB', async () => {
    const name = await table();
    const good = await put('t2/good.json.gz', gz(line('1', '2026-11-26T10:00:00.000000Z', 'x', {})));
    const manifestOf = (key: string, urls: string[]) =>
      put(key, JSON.stringify({ entries: urls.map((url) => ({ url, mandatory: true })) }));
    const failed = async (sql: string) => {
      const result = await batch([sql]);
      expect(result.status, sql).toBe('FAILED');
      return result.error ?? '';
    };
    expect(await failed(copy(name, await manifestOf('t2/m-missing', [good, `s3://${bucket}/t2/gone.json.gz`])))).toContain(
      'is mandatory and was not found',
    );
    const manifest = await manifestOf('t2/m', [good]);
    expect(await failed(copy(name, manifest, `MANIFEST GZIP FORMAT AS JSON 'auto' TIMEFORMAT 'auto'`))).toContain('Missing authorization');
    expect(
      await failed(
        copy(name, manifest, `IAM_ROLE 'arn:aws:iam::123456789012:role/other' MANIFEST GZIP FORMAT AS JSON 'auto' TIMEFORMAT 'auto'`),
      ),
    ).toContain('is not authorized to assume IAM Role arn:aws:iam::123456789012:role/other');
    const plain = await manifestOf('t2/m-plain', [await put('t2/plain.json', line('1', '2026-11-26T10:00:00.000000Z', 'x', {}))]);
    expect(await failed(copy(name, plain))).toContain(`Load into table '${name}' failed`);
    expect(await failed(copy(name, manifest, `IAM_ROLE '${FAKE_COPY_ROLE}' MANIFEST GZIP FORMAT AS JSON 'auto'`))).toContain(
      'Invalid timestamp format',
    );
    const huge = await manifestOf('t2/m-huge', [
      await put('t2/huge.json.gz', gz(line('1', '2026-11-26T10:00:00.000000Z', 'x', { blob: 'x'.repeat(4 * 1024 * 1024) }))),
    ]);
    expect(await failed(copy(name, huge))).toContain('exceeds 4 MB');
    expect(await failed(copy(name, manifest, `IAM_ROLE '${FAKE_COPY_ROLE}' MANIFEST GZIP CSV`))).toContain(
      'does not implement the COPY option CSV',
    );
    expect(await countRows(fake, 'public', name)).toBe(0);
  });

  it('refuses a bucket in another region unless REGION names it', async () => {
    const elsewhere = await createMotoBucket('eu-west-1');
    const s3 = motoS3('eu-west-1');
    await s3.send(
      new PutObjectCommand({ Bucket: elsewhere, Key: 'a.json.gz', Body: gz(line('1', '2026-11-26T10:00:00.000000Z', 'x', {})) }),
    );
    await s3.send(
      new PutObjectCommand({
        Bucket: elsewhere,
        Key: 'm',
        Body: JSON.stringify({ entries: [{ url: `s3://${elsewhere}/a.json.gz`, mandatory: true }] }),
      }),
    );
    s3.destroy();
    const name = await table();
    expect(await batch([copy(name, `s3://${elsewhere}/m`)])).toMatchObject({
      status: 'FAILED',
      error: expect.stringContaining('PermanentRedirect'),
    });
    expect(
      await batch([
        copy(
          name,
          `s3://${elsewhere}/m`,
          `IAM_ROLE '${FAKE_COPY_ROLE}' REGION 'eu-west-1' MANIFEST GZIP FORMAT AS JSON 'auto' TIMEFORMAT 'auto'`,
        ),
      ]),
    ).toEqual({ status: 'FINISHED' });
  });

  it('TRUNCATE commits the transaction it runs in: a failure after it keeps what came before', async () => {
    const name = await table();
    await fake.query(`INSERT INTO ${name} (id) VALUES (1), (2)`);
    const failing = `INSERT INTO ${name} (id) VALUES (1/0)`;
    expect(
      await batch([`INSERT INTO ${name} (id) VALUES (3)`, `TRUNCATE ${name}`, `INSERT INTO ${name} (id) VALUES (4)`, failing]),
    ).toMatchObject({ status: 'FAILED' });
    expect(await fake.query(`SELECT id::int FROM ${name}`)).toEqual([]);
    await fake.query(`INSERT INTO ${name} (id) VALUES (1)`);
    expect(await batch([`INSERT INTO ${name} (id) VALUES (3)`, failing, `TRUNCATE ${name}`])).toMatchObject({ status: 'FAILED' });
    expect(await fake.query(`SELECT id::int FROM ${name}`)).toEqual([{ id: 1 }]);
  });

  it('answers an ExecuteStatement COPY with the rows it loaded', async () => {
    const name = await table();
    const manifest = await put(
      't5/m',
      JSON.stringify({
        entries: [{ url: await put('t5/a.json.gz', gz(line('1', '2026-11-26T10:00:00.000000Z', 'x', {}))), mandatory: true }],
      }),
    );
    const api = client();
    const { Id } = await api.send(new ExecuteStatementCommand({ ...target, Sql: copy(name, manifest) }));
    let described;
    do described = await api.send(new DescribeStatementCommand({ Id }));
    while (described.Status !== 'FINISHED' && described.Status !== 'FAILED');
    api.destroy();
    expect(described).toMatchObject({ Status: 'FINISHED', ResultRows: 1 });
  });
});

describe.runIf(runs)('redshift destination: S3 staging', () => {
  it('deletes the load files after a load, and after a failed one', async () => {
    const raw = redshiftTestConfig(fake, bucket, { s3Prefix: 'cleanup/' });
    await withRedshift(raw, (c) => c.ensureTables());
    await withRedshift(raw, (c) => c.loadEvents(generatedBatches(20, 10)));
    fake.inject({ type: 'fail-statement', match: /^COPY /, error: 'ERROR: permission denied for relation raw_events' });
    await failure(withRedshift(raw, (c) => c.loadEvents(generatedBatches(20, 10))));
    expect((await listMotoKeys(bucket)).filter((key) => key.startsWith('cleanup/'))).toEqual([]);
    expect(await countRows(fake, raw.schema, 'events')).toBe(20);
  });

  it('loads from a bucket in another region through s3Region; without it the load is a configuration error', async () => {
    const elsewhere = await createMotoBucket('eu-west-1');
    const raw = redshiftTestConfig(fake, elsewhere, { s3Region: 'eu-west-1' });
    await withRedshift(raw, (c) => c.ensureTables());
    expect(await withRedshift(raw, (c) => c.loadEvents(once([contractEvent(1)])))).toMatchObject({ rowsMerged: 1 });
    const wrong = { ...raw, s3Region: undefined };
    const err = await failure(withRedshift(wrong, (c) => c.loadEvents(once([contractEvent(2)]))));
    expect(err.kind).toBe('config');
    expect(err.message).toContain('PermanentRedirect');
  });

  it('a bucket that does not exist and a role the cluster cannot assume are configuration errors; check says which step', async () => {
    const missing = redshiftTestConfig(fake, bucket, { s3Bucket: 'tributary-no-such-bucket' });
    await withRedshift(missing, (c) => c.ensureTables());
    const noBucket = await failure(withRedshift(missing, (c) => c.loadEvents(once([contractEvent(1)]))));
    expect(noBucket.kind).toBe('config');
    expect(noBucket.message).toContain('NoSuchBucket');
    const steps = await withRedshift(missing, (c) => c.check());
    expect(steps.find((s) => !s.ok && !s.skipped)).toMatchObject({ step: 'write', message: expect.stringContaining('NoSuchBucket') });

    const otherRole = redshiftTestConfig(fake, bucket, { iamRoleArn: 'arn:aws:iam::123456789012:role/not-associated' });
    await withRedshift(otherRole, (c) => c.ensureTables());
    const noRole = await failure(withRedshift(otherRole, (c) => c.loadEvents(once([contractEvent(1)]))));
    expect(noRole.kind).toBe('config');
    expect(noRole.message).toContain('not authorized to assume IAM Role arn:aws:iam::123456789012:role/not-associated');
  });

  it('loads a tombstone, an empty event_type and JSON with line breaks exactly', async () => {
    const raw = redshiftTestConfig(fake, bucket);
    await withRedshift(raw, (c) => c.ensureTables());
    const live = { ...contractEvent(7), event_type: '', event_properties: '{\n"a": "b\\nc"\n}' };
    await withRedshift(raw, (c) => c.loadEvents(once([live])));
    await withRedshift(raw, (c) => c.loadEvents(once([tombstoneOf(live, '2026-11-28T00:00:00.000000Z')])));
    await withRedshift(raw, (c) => c.loadEvents(once([tombstoneOf(contractEvent(8), '2026-11-28T00:00:00.000000Z')])));
    expect(await fake.query(`SELECT event_id, event_type, event_properties::text AS p FROM ${raw.schema}.events`)).toEqual([
      { event_id: live.event_id, event_type: null, p: null },
    ]);
    await withRedshift(raw, (c) => c.loadEvents(once([{ ...contractEvent(9), event_type: '', event_properties: '{\n"a": "b\\nc"\n}' }])));
    expect(
      await fake.query(
        `SELECT event_type, event_properties::text AS p FROM ${raw.schema}.events WHERE event_id = '${contractEvent(9).event_id}'`,
      ),
    ).toEqual([{ event_type: '', p: '{"a": "b\\nc"}' }]);
  });
});
