/**
 * The Snowflake destination's sign-in choices through snowflake-sdk against the fake, which
 * checks what each one sends: key-pair (a JWT signed with the private key), OAuth and
 * programmatic access tokens, and a password.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDestinationConfig, secretFieldNames, silentLogger, targetFields } from '@tributary/destination-sdk';
import snowflakeDestination from '../../plugins/snowflake/index.ts';
import { SnowflakeFake } from '../fakes/snowflake-fake.ts';

const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = (key: typeof keys.privateKey, passphrase?: string) =>
  key.export({ type: 'pkcs8', format: 'pem', ...(passphrase ? { cipher: 'aes-256-cbc', passphrase } : {}) }).toString();

let fake: SnowflakeFake;
beforeAll(async () => {
  fake = await SnowflakeFake.start({
    publicKeys: { loader: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
    oauthTokens: { 'oauth-access-token': 'loader' },
    programmaticAccessTokens: { loader: 'pat-secret' },
  });
});
afterAll(async () => {
  await fake?.close();
});

const target = () => ({
  account: 'fake',
  username: 'loader',
  warehouse: 'LOAD_WH',
  database: 'ANALYTICS',
  schema: 'sign_in',
  accessUrl: fake.accessUrl,
});

/** Signs in with `auth` and runs ensureTables; resolves with the login's outcome. */
async function signIn(auth: Record<string, string>): Promise<{ kind?: string; message: string } | 'ok'> {
  const connection = await snowflakeDestination.connect(parseDestinationConfig(snowflakeDestination, { ...target(), ...auth }), {
    logger: silentLogger,
  });
  try {
    await connection.ensureTables();
    return 'ok';
  } catch (err) {
    return err as { kind?: string; message: string };
  } finally {
    await connection.close();
  }
}

function lastLogin() {
  return fake.requests.filter((r) => r.kind === 'login').at(-1);
}

describe('snowflake sign-in', () => {
  it('key-pair (SNOWFLAKE_JWT), with an encrypted key: signs a JWT the fake verifies; a wrong key is permanent', async () => {
    expect(await signIn({ privateKey: pem(keys.privateKey, 'pass phrase'), privateKeyPassphrase: 'pass phrase' })).toBe('ok');
    expect(lastLogin()).toMatchObject({ outcome: 'ok' });
    const err = await signIn({ privateKey: pem(other.privateKey) });
    expect(err).toMatchObject({ kind: 'permanent' });
    expect((err as { message: string }).message).toContain('390144');
  });

  it('OAuth (OAUTH): an access token signs in; an invalid or expired one is permanent', async () => {
    expect(await signIn({ oauthToken: 'oauth-access-token' })).toBe('ok');
    const err = await signIn({ oauthToken: 'expired-or-revoked' });
    expect(err).toMatchObject({ kind: 'permanent' });
    expect((err as { message: string }).message).toContain('390303');
  });

  it('programmatic access token (PROGRAMMATIC_ACCESS_TOKEN): signs in; a wrong one is permanent', async () => {
    expect(await signIn({ programmaticAccessToken: 'pat-secret' })).toBe('ok');
    const err = await signIn({ programmaticAccessToken: 'pat-wrong' });
    expect(err).toMatchObject({ kind: 'permanent' });
    expect((err as { message: string }).message).toContain('390100');
  });

  it('marks every credential secret and where and as whom it connects as targets', () => {
    expect(secretFieldNames(snowflakeDestination).sort()).toEqual([
      'oauthToken',
      'password',
      'privateKey',
      'privateKeyPassphrase',
      'programmaticAccessToken',
    ]);
    expect(targetFields(snowflakeDestination).map((field) => field.name)).toEqual(['account', 'username', 'role', 'database', 'accessUrl']);
  });
});
