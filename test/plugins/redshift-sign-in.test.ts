/**
 * How the Redshift plugin signs in, through the real AWS SDK against the Data API fake, with STS
 * and S3 on moto: the AWS default credential chain (environment, shared profile, web identity,
 * ECS container and EC2 instance roles), role assumption with an external id, static keys; and
 * the database sign-in a cluster or workgroup offers (DbUser, SecretArn, or the IAM identity).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatedBatches } from '@tributary/destination-sdk/testing';
import { RedshiftDataFake } from '../fakes/redshift-data-fake.ts';
import { createMotoBucket, hasMoto, motoEndpoint } from '../support/moto.ts';
import { failure, redshiftTestConfig, withRedshift } from '../support/redshift.ts';

const runs = hasMoto();
let fake: RedshiftDataFake;
let bucket: string;
let dir: string;
beforeAll(async () => {
  if (!runs) return;
  fake = await RedshiftDataFake.start({ awsEndpoint: motoEndpoint, accessKeyIds: ['AKIAFAKEFAKEFAKE0001', 'AKIAFAKEPROFILE00002'] });
  bucket = await createMotoBucket();
  dir = await mkdtemp(path.join(os.tmpdir(), 'tributary-sign-in-'));
});
afterAll(async () => {
  await fake?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

// The variables the default chain reads; each test sets its own and restores the rest.
const CHAIN_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_CONFIG_FILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_ROLE_ARN',
  'AWS_ROLE_SESSION_NAME',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_EC2_METADATA_SERVICE_ENDPOINT',
  'AWS_EC2_METADATA_DISABLED',
];

async function withEnv<T>(vars: Record<string, string>, work: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(CHAIN_VARIABLES.map((name) => [name, process.env[name]]));
  for (const name of CHAIN_VARIABLES) delete process.env[name];
  // Nothing here may reach for a real instance-metadata address.
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  process.env.AWS_CONFIG_FILE = path.join(dir, 'no-config');
  process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(dir, 'no-credentials');
  Object.assign(process.env, vars);
  try {
    return await work();
  } finally {
    for (const name of CHAIN_VARIABLES) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  }
}

/** Temporary credentials from moto's STS, as a role session would have them. */
async function motoSession(role: string) {
  const sts = new STSClient({
    region: 'us-east-1',
    endpoint: motoEndpoint,
    credentials: { accessKeyId: 'AKIAMOTOTESTCLIENT01', secretAccessKey: 'moto' },
  });
  try {
    const { Credentials } = await sts.send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::123456789012:role/${role}`, RoleSessionName: role }),
    );
    return {
      accessKeyId: Credentials!.AccessKeyId!,
      secretAccessKey: Credentials!.SecretAccessKey!,
      sessionToken: Credentials!.SessionToken!,
      expiration: Credentials!.Expiration!,
    };
  } finally {
    sts.destroy();
  }
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A config with no static keys, so the plugin takes the server's default credential chain. */
const chainConfig = (overrides: Record<string, unknown> = {}) => {
  const { accessKeyId: _key, secretAccessKey: _secret, ...rest } = redshiftTestConfig(fake, bucket);
  return { ...rest, ...overrides };
};

/** Loads 3 rows with `raw` and returns the Data API requests of the load. */
async function load(raw: Record<string, unknown>) {
  await withRedshift(raw, (c) => c.ensureTables());
  fake.clearLog();
  const result = await withRedshift(raw, (c) => c.loadEvents(generatedBatches(3, 3)));
  expect(result).toMatchObject({ rowsStaged: 3, rowsMerged: 3 });
  return fake.requests;
}

async function motoAssumedRoles(): Promise<
  { access_key_id: string; role_arn: string; external_id: string | null; session_name: string }[]
> {
  const state = (await (await fetch(`${motoEndpoint}/moto-api/data.json`)).json()) as { sts?: { AssumedRole?: [] } };
  return state.sts?.AssumedRole ?? [];
}

describe.runIf(runs)('redshift sign-in: AWS credentials', () => {
  it('without static keys, takes the credentials of the environment', async () => {
    const requests = await withEnv({ AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKE0001', AWS_SECRET_ACCESS_KEY: 'from-env' }, () =>
      load(chainConfig()),
    );
    expect(new Set(requests.map((r) => r.accessKeyId))).toEqual(new Set(['AKIAFAKEFAKEFAKE0001']));
  });

  it('without static keys, takes a profile of the shared credentials file', async () => {
    const file = path.join(dir, 'credentials');
    await writeFile(
      file,
      '[default]\naws_access_key_id = AKIAUNKNOWNUNKNOWN00\naws_secret_access_key = no\n\n[analytics]\naws_access_key_id = AKIAFAKEPROFILE00002\naws_secret_access_key = from-profile\n',
    );
    const requests = await withEnv({ AWS_SHARED_CREDENTIALS_FILE: file, AWS_PROFILE: 'analytics' }, () => load(chainConfig()));
    expect(new Set(requests.map((r) => r.accessKeyId))).toEqual(new Set(['AKIAFAKEPROFILE00002']));
  });

  it('without static keys, exchanges a web identity token (EKS, GitHub OIDC …) for a role session at STS', async () => {
    const tokenFile = path.join(dir, 'web-identity-token');
    await writeFile(tokenFile, 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6dHJpYnV0YXJ5In0.c2ln');
    const before = (await motoAssumedRoles()).length;
    const requests = await withEnv(
      {
        AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
        AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/tributary-pod',
        AWS_ROLE_SESSION_NAME: 'tributary-pod',
      },
      () => load(chainConfig()),
    );
    // ensureTables and the load: one connection, one role session each.
    const sessions = (await motoAssumedRoles()).slice(before);
    expect(sessions.map((s) => s.role_arn)).toEqual([
      'arn:aws:iam::123456789012:role/tributary-pod',
      'arn:aws:iam::123456789012:role/tributary-pod',
    ]);
    expect(new Set(requests.map((r) => `${r.accessKeyId} ${r.sessionToken}`))).toEqual(new Set([`${sessions[1]!.access_key_id} true`]));
  });

  it('without static keys, takes the ECS container role and the EC2 instance role', async () => {
    const ecs = await motoSession('tributary-task');
    const ec2 = await motoSession('tributary-instance');
    const server = createServer((req, res) => {
      const body = (creds: typeof ecs, code?: string) =>
        JSON.stringify({
          ...(code ? { Code: code } : {}),
          AccessKeyId: creds.accessKeyId,
          SecretAccessKey: creds.secretAccessKey,
          Token: creds.sessionToken,
          Expiration: creds.expiration.toISOString(),
        });
      if (req.url === '/ecs/credentials') return res.end(body(ecs));
      // IMDSv2: a session token first, then the role's name, then its credentials.
      if (req.method === 'PUT' && req.url === '/latest/api/token') return res.end('imds-token');
      if (req.headers['x-aws-ec2-metadata-token'] !== 'imds-token') return res.writeHead(401).end();
      if (req.url === '/latest/meta-data/iam/security-credentials/') return res.end('tributary-instance');
      if (req.url === '/latest/meta-data/iam/security-credentials/tributary-instance') return res.end(body(ec2, 'Success'));
      res.writeHead(404).end();
    });
    const url = await listen(server);
    try {
      const viaEcs = await withEnv({ AWS_CONTAINER_CREDENTIALS_FULL_URI: `${url}/ecs/credentials` }, () => load(chainConfig()));
      expect(new Set(viaEcs.map((r) => r.accessKeyId))).toEqual(new Set([ecs.accessKeyId]));
      const viaEc2 = await withEnv({ AWS_EC2_METADATA_SERVICE_ENDPOINT: url, AWS_EC2_METADATA_DISABLED: 'false' }, () =>
        load(chainConfig()),
      );
      expect(new Set(viaEc2.map((r) => r.accessKeyId))).toEqual(new Set([ec2.accessKeyId]));
    } finally {
      server.close();
    }
  });

  it('with no credentials anywhere, fails as a configuration error that says what to give', async () => {
    const err = await withEnv({}, () => failure(withRedshift(chainConfig(), (c) => c.ensureTables())));
    expect(err.kind).toBe('config');
    expect(err.message).toContain('CredentialsProviderError');
    expect(err.message).toContain('give accessKeyId and secretAccessKey, or run the server with an AWS identity');
  });

  it('assumes roleArn with its external id once per connection, and signs every call with the role session', async () => {
    const before = (await motoAssumedRoles()).length;
    const raw = redshiftTestConfig(fake, bucket, {
      roleArn: 'arn:aws:iam::123456789012:role/tributary-loader',
      externalId: 'tributary-org-42',
    });
    const requests = await load(raw);
    // ensureTables and the load: one connection each, one AssumeRole each (the Data API and S3 clients share it).
    const sessions = (await motoAssumedRoles()).slice(before);
    expect(sessions.map((s) => [s.role_arn, s.external_id, s.session_name])).toEqual([
      ['arn:aws:iam::123456789012:role/tributary-loader', 'tributary-org-42', 'tributary'],
      ['arn:aws:iam::123456789012:role/tributary-loader', 'tributary-org-42', 'tributary'],
    ]);
    expect(new Set(requests.map((r) => `${r.accessKeyId} ${r.sessionToken}`))).toEqual(new Set([`${sessions[1]!.access_key_id} true`]));
  });

  it('takes static temporary keys with their session token; refuses temporary keys STS never issued', async () => {
    const session = await motoSession('tributary-static');
    const requests = await load(
      redshiftTestConfig(fake, bucket, {
        accessKeyId: session.accessKeyId,
        secretAccessKey: session.secretAccessKey,
        sessionToken: session.sessionToken,
      }),
    );
    expect(new Set(requests.map((r) => r.accessKeyId))).toEqual(new Set([session.accessKeyId]));
    const forged = redshiftTestConfig(fake, bucket, { accessKeyId: 'ASIAFORGEDFORGED0000', secretAccessKey: 'x', sessionToken: 'forged' });
    const err = await failure(withRedshift(forged, (c) => c.ensureTables()));
    expect(err.kind).toBe('permanent');
    expect(err.message).toContain('UnrecognizedClientException');
  });
});

describe.runIf(runs)('redshift sign-in: the database user', () => {
  const cases = [
    { name: 'a cluster as a database user (temporary credentials, DbUser)', overrides: {}, signIn: 'db-user' },
    { name: 'a cluster as the IAM identity (no DbUser, no secret)', overrides: { dbUser: undefined }, signIn: 'iam' },
    {
      name: 'a cluster with a Secrets Manager secret',
      overrides: { dbUser: undefined, secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:tributary' },
      signIn: 'secret',
    },
    {
      name: 'a Serverless workgroup as the IAM identity',
      overrides: { clusterIdentifier: undefined, dbUser: undefined, workgroupName: 'tributary-wg' },
      signIn: 'iam',
    },
    {
      name: 'a Serverless workgroup with a Secrets Manager secret',
      overrides: {
        clusterIdentifier: undefined,
        dbUser: undefined,
        workgroupName: 'tributary-wg',
        secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:tributary',
      },
      signIn: 'secret',
    },
  ] as const;
  for (const { name, overrides, signIn } of cases) {
    it(`loads through ${name}`, async () => {
      const requests = await load(redshiftTestConfig(fake, bucket, overrides));
      const submits = requests.filter((r) => r.operation === 'BatchExecuteStatement');
      expect(submits.map((r) => r.signIn)).toEqual([signIn]);
    });
  }

  it('refuses DbUser with a workgroup and half a key pair, before connecting', async () => {
    await expect(
      withRedshift(redshiftTestConfig(fake, bucket, { clusterIdentifier: undefined, workgroupName: 'tributary-wg' }), (c) =>
        c.ensureTables(),
      ),
    ).rejects.toThrow(/dbUser works with a provisioned cluster only/);
    await expect(withRedshift(redshiftTestConfig(fake, bucket, { secretAccessKey: undefined }), (c) => c.ensureTables())).rejects.toThrow(
      /accessKeyId and secretAccessKey together/,
    );
  });
});
