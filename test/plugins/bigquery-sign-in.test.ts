/**
 * The BigQuery destination's sign-in choices, each run end to end through google-auth-library
 * without the internet: Application Default Credentials (the metadata server of a Google Cloud
 * runtime, or an operator's GOOGLE_APPLICATION_CREDENTIALS file), workload identity federation
 * (an external_account configuration whose subject token is exchanged at STS), and service
 * account impersonation (IAM Credentials generateAccessToken). The token endpoints are fakes on
 * loopback (test/fakes/bigquery-auth-fake.ts) sharing one token store with the BigQuery fake,
 * which logs the principal of every request.
 */
import { createSign, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { contractEvent } from '@tributary/destination-sdk/testing';
import { classifyError, parseDestinationConfig, secretFieldNames, silentLogger, targetFields } from '@tributary/destination-sdk';
import bigqueryDestination, { HOST_CREDENTIALS_ENV, createBigqueryDestination } from '../../plugins/bigquery/index.ts';
import type { BigqueryDestinationConfig } from '../../plugins/bigquery/index.ts';
import { FakeTokenStore, startGoogleTokenServices } from '../fakes/bigquery-auth-fake.ts';
import { startBigqueryFake } from '../fakes/bigquery-fake.ts';
import { countRows, testServiceAccount } from '../fakes/bigquery-helpers.ts';

const scratch = mkdtempSync(join(tmpdir(), 'tributary-bq-sign-in-'));
// Application Default Credentials look at GOOGLE_APPLICATION_CREDENTIALS, then gcloud's file in
// CLOUDSDK_CONFIG, then the metadata server: this machine's own credentials stay out of it.
delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
delete process.env[HOST_CREDENTIALS_ENV];
process.env.CLOUDSDK_CONFIG = scratch;

const LOADER = 'loader@test-proj.iam.gserviceaccount.com';
const VM = 'vm@test-proj.iam.gserviceaccount.com';
const AUDIENCE = '//iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/tributary/providers/k8s';
const SUBJECT = 'system:serviceaccount:analytics:tributary';
const POOL_PRINCIPAL = `principal://iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/tributary/subject/${SUBJECT}`;

const idp = generateKeyPairSync('rsa', { modulusLength: 2048 });
const key = testServiceAccount();
const tokens = new FakeTokenStore();
tokens.addServiceAccount(key.email, key.publicKeyPem);
// The test's own reads go with the static token.
tokens.addStatic('fake');
const fake = await startBigqueryFake({ tokens });
const services = await startGoogleTokenServices({
  store: tokens,
  providers: [{ audience: AUDIENCE, issuerPublicKeyPem: idp.publicKey.export({ type: 'spki', format: 'pem' }).toString() }],
  tokenCreators: { [LOADER]: [VM, POOL_PRINCIPAL] },
  metadataServiceAccount: VM,
});
process.env.GCE_METADATA_HOST = services.metadataHost;
process.env.METADATA_SERVER_DETECTION = 'assume-present';

afterAll(async () => {
  await services.close();
  await fake.close();
  rmSync(scratch, { recursive: true, force: true });
});

beforeEach(() => {
  fake.resetLog();
  services.requests.length = 0;
});

// The tokens issued (google-auth-library also reads other metadata, e.g. the universe domain).
const issued = () => services.requests.filter((r) => r.api !== 'metadata.other');

/** An OIDC token of the workload's identity provider (what a Kubernetes projected token is). */
function subjectToken(audience = AUDIENCE, minutes = 10): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg: 'RS256', typ: 'JWT', kid: 'idp-1' })}.${part({ iss: 'https://k8s.example', sub: SUBJECT, aud: `https:${audience}`, iat: now, exp: now + minutes * 60 })}`;
  const signature = createSign('RSA-SHA256').update(unsigned).sign(idp.privateKey).toString('base64url');
  return `${unsigned}.${signature}`;
}

/** A credential configuration as `gcloud iam workload-identity-pools create-cred-config` writes it. */
function credentialConfig(options: { token?: string; impersonate?: string; overrides?: Record<string, unknown> } = {}): string {
  const file = join(scratch, `token-${Math.random().toString(36).slice(2)}.jwt`);
  writeFileSync(file, options.token ?? subjectToken());
  return JSON.stringify({
    universe_domain: 'googleapis.com',
    type: 'external_account',
    audience: AUDIENCE,
    subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
    token_url: 'https://sts.googleapis.com/v1/token',
    credential_source: { file, format: { type: 'text' } },
    ...(options.impersonate
      ? {
          service_account_impersonation_url: `https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/${options.impersonate}:generateAccessToken`,
        }
      : {}),
    ...options.overrides,
  });
}

let datasets = 0;
const allowed = createBigqueryDestination({ allowHostCredentials: true, pollIntervalMs: 5 });

function config(raw: Record<string, unknown>, definition = allowed): BigqueryDestinationConfig {
  return parseDestinationConfig(definition, {
    projectId: fake.projectId,
    datasetId: `signin_${(datasets += 1)}`,
    apiEndpoint: fake.url,
    stsEndpoint: services.stsEndpoint,
    iamCredentialsEndpoint: services.iamCredentialsEndpoint,
    ...raw,
  });
}

/** ensureTables and a load of two rows; the principals BigQuery saw. */
async function sync(cfg: BigqueryDestinationConfig, definition = allowed): Promise<string[]> {
  const connection = await definition.connect(cfg, { logger: silentLogger });
  try {
    await connection.ensureTables();
    await connection.loadEvents(
      (async function* () {
        yield [contractEvent(1), contractEvent(2)];
      })(),
    );
  } finally {
    await connection.close();
  }
  expect(await countRows({ apiEndpoint: fake.url, projectId: cfg.projectId, datasetId: cfg.datasetId }, 'events')).toBe(2);
  return [...new Set(fake.requests.filter((r) => r.principal !== 'fake').map((r) => r.principal ?? `unauthenticated ${r.api}`))];
}

async function failure(cfg: BigqueryDestinationConfig, definition = allowed): Promise<unknown> {
  const connection = await definition.connect(cfg, { logger: silentLogger });
  try {
    await connection.ensureTables();
  } catch (err) {
    return err;
  } finally {
    await connection.close();
  }
  throw new Error('expected a failure');
}

describe('bigquery sign-in: Application Default Credentials', () => {
  it("on a Google Cloud runtime: the metadata server's token for the runtime's service account reaches BigQuery", async () => {
    const principals = await sync(config({ authentication: 'applicationDefault' }));
    expect(principals).toEqual([VM]);
    expect(issued()).toEqual([{ api: 'metadata.token', status: 200, principal: VM }]);
    // Every request, upload chunks included, carried it.
    expect(fake.requests.filter((r) => r.api === 'upload.chunk').every((r) => r.principal === VM)).toBe(true);
  });

  it("from GOOGLE_APPLICATION_CREDENTIALS, the operator's own credential file (here a workload identity configuration)", async () => {
    const file = join(scratch, 'adc.json');
    // The operator's file is trusted as it is: its token_url may point anywhere the operator says.
    writeFileSync(file, credentialConfig({ overrides: { token_url: services.stsEndpoint } }));
    process.env.GOOGLE_APPLICATION_CREDENTIALS = file;
    try {
      expect(await sync(config({ authentication: 'applicationDefault' }))).toEqual([POOL_PRINCIPAL]);
      expect(issued().map((r) => r.api)).toEqual(['sts.token']);
    } finally {
      delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
    }
  });

  it("impersonating a service account: the runtime's token only reaches IAM Credentials, BigQuery sees the impersonated account", async () => {
    expect(await sync(config({ authentication: 'applicationDefault', impersonateServiceAccount: LOADER }))).toEqual([LOADER]);
    expect(issued()).toEqual([
      { api: 'metadata.token', status: 200, principal: VM },
      { api: 'iam.generateAccessToken', status: 200, principal: LOADER },
    ]);
  });

  it("impersonating an account the runtime holds no Token Creator on → permanent, with IAM's message", async () => {
    const err = await failure(
      config({ authentication: 'applicationDefault', impersonateServiceAccount: 'other@test-proj.iam.gserviceaccount.com' }),
    );
    expect(classifyError(err), String(err)).toBe('permanent');
    expect(String((err as Error).message)).toMatch(/unable to impersonate: Permission 'iam.serviceAccounts.getAccessToken' denied/);
    expect(fake.requests).toEqual([]);
  });
});

describe('bigquery sign-in: workload identity federation', () => {
  it("exchanges the workload's OIDC token at STS; BigQuery sees the pool principal", async () => {
    const principals = await sync(config({ authentication: 'workloadIdentityFederation', workloadIdentityConfig: credentialConfig() }));
    expect(principals).toEqual([POOL_PRINCIPAL]);
    expect(issued()).toEqual([{ api: 'sts.token', status: 200, principal: POOL_PRINCIPAL }]);
  });

  it("with the configuration's service account impersonation: STS, then generateAccessToken; BigQuery sees the service account", async () => {
    const cfg = config({ authentication: 'workloadIdentityFederation', workloadIdentityConfig: credentialConfig({ impersonate: LOADER }) });
    expect(await sync(cfg)).toEqual([LOADER]);
    expect(issued()).toEqual([
      { api: 'sts.token', status: 200, principal: POOL_PRINCIPAL },
      { api: 'iam.generateAccessToken', status: 200, principal: LOADER },
    ]);
  });

  it('with impersonateServiceAccount instead: the same chain', async () => {
    const cfg = config({
      authentication: 'workloadIdentityFederation',
      workloadIdentityConfig: credentialConfig(),
      impersonateServiceAccount: LOADER,
    });
    expect(await sync(cfg)).toEqual([LOADER]);
    expect(issued().map((r) => r.api)).toEqual(['sts.token', 'iam.generateAccessToken']);
  });

  it('a subject token STS refuses (issued for another provider) → permanent, and BigQuery is never called', async () => {
    const other = AUDIENCE.replace('/providers/k8s', '/providers/other');
    const err = await failure(
      config({ authentication: 'workloadIdentityFederation', workloadIdentityConfig: credentialConfig({ token: subjectToken(other) }) }),
    );
    expect(classifyError(err), String(err)).toBe('permanent');
    expect(String((err as Error).message)).toMatch(/invalid_grant/);
    expect(fake.requests).toEqual([]);
  });
});

describe('bigquery sign-in: what a user may configure', () => {
  it("refuses ADC and workload identity unless the operator allows this server's identity to be used, before any request", async () => {
    for (const raw of [
      { authentication: 'applicationDefault' },
      { authentication: 'workloadIdentityFederation', workloadIdentityConfig: credentialConfig() },
    ]) {
      const err = await failure(config(raw, bigqueryDestination), bigqueryDestination);
      expect(classifyError(err)).toBe('config');
      expect(String((err as Error).message)).toContain(`${HOST_CREDENTIALS_ENV}=true`);
      const connection = await bigqueryDestination.connect(config(raw, bigqueryDestination), { logger: silentLogger });
      const steps = await connection.check();
      await connection.close();
      expect(steps[0]).toMatchObject({ step: 'connect', ok: false });
      expect(steps[0]!.message).toContain('config');
    }
    expect(services.requests).toEqual([]);
    expect(fake.requests).toEqual([]);
    // The operator's switch, read at each connection.
    process.env[HOST_CREDENTIALS_ENV] = 'true';
    try {
      expect(await sync(config({ authentication: 'applicationDefault' }, bigqueryDestination), bigqueryDestination)).toEqual([VM]);
    } finally {
      delete process.env[HOST_CREDENTIALS_ENV];
    }
  });

  it('refuses credential configurations that would send tokens elsewhere or run a program', () => {
    const refused: [Record<string, unknown>, RegExp][] = [
      [{ token_url: 'https://attacker.example/token' }, /token_url.*tokens go to Google only/],
      [
        { service_account_impersonation_url: `https://attacker.example/v1/projects/-/serviceAccounts/${LOADER}:generateAccessToken` },
        /service_account_impersonation_url/,
      ],
      [{ credential_source: { executable: { command: '/bin/sh -c id' } } }, /runs an executable/],
      [{ type: 'service_account' }, /"type" must be "external_account"/],
      [{ audience: '//iam.googleapis.com/locations/global/workforcePools/p/providers/x' }, /workload identity pool provider/],
      [{ client_id: 'x', client_secret: 'very-secret' }, /workforce pool or holds a client secret/],
    ];
    for (const [overrides, message] of refused) {
      const raw = { authentication: 'workloadIdentityFederation', workloadIdentityConfig: credentialConfig({ overrides }) };
      let error: unknown;
      try {
        config(raw);
      } catch (err) {
        error = err;
      }
      expect(String(error), JSON.stringify(overrides)).toMatch(message);
      expect(String(error)).not.toContain('very-secret');
    }
  });

  it('needs the material of the chosen sign-in, and impersonation only where it applies', () => {
    expect(() => config({ authentication: 'serviceAccountKey' })).toThrow(
      /serviceAccountKey: is required with authentication serviceAccountKey/,
    );
    expect(() => config({ authentication: 'workloadIdentityFederation' })).toThrow(/workloadIdentityConfig: is required/);
    expect(() => config({ serviceAccountKey: key.keyJson, impersonateServiceAccount: LOADER })).toThrow(
      /impersonateServiceAccount: applies to applicationDefault/,
    );
    expect(() =>
      config({
        authentication: 'workloadIdentityFederation',
        workloadIdentityConfig: credentialConfig({ impersonate: LOADER }),
        impersonateServiceAccount: LOADER,
      }),
    ).toThrow(/already impersonates/);
    expect(() =>
      config({ authentication: 'applicationDefault', impersonateServiceAccount: 'loader@test-proj.iam.gserviceaccount.com/../x' }),
    ).toThrow(/service account email/);
    // A config saved before the sign-in choices existed still means a key.
    expect(config({ serviceAccountKey: key.keyJson }).authentication).toBe('serviceAccountKey');
  });

  it('marks where it signs in and as whom as targets, the key as the only secret, and the token endpoints as overrides', () => {
    expect(secretFieldNames(bigqueryDestination)).toEqual(['serviceAccountKey']);
    expect(targetFields(bigqueryDestination)).toEqual([
      { name: 'projectId', override: false },
      { name: 'authentication', override: false },
      { name: 'workloadIdentityConfig', override: false },
      { name: 'impersonateServiceAccount', override: false },
      { name: 'apiEndpoint', kind: 'url', override: true },
      { name: 'stsEndpoint', kind: 'url', override: true },
      { name: 'iamCredentialsEndpoint', kind: 'url', override: true },
    ]);
  });
});
