import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DESTINATION_API_VERSION, defineDestination, secret } from '@tributary/destination-sdk';
import { createPluginRegistry } from '../../server/plugins/registry.ts';

const good = defineDestination({
  id: 'acme-lake',
  displayName: 'Acme Lake',
  version: '1.2.0',
  apiVersion: DESTINATION_API_VERSION,
  description: 'a third-party destination',
  config: z.object({ bucket: z.string(), token: secret(z.string()) }),
  connect: async () => {
    throw new Error('not used here');
  },
});

const packages: Record<string, unknown> = {
  'acme-lake': { default: good },
  'not-a-plugin': { default: { hello: 'world' } },
  'future-api': { default: { ...good, id: 'future-thing', apiVersion: DESTINATION_API_VERSION + 1 } },
  'steals-duckdb': { default: { ...good, id: 'duckdb' } },
};
const importer = async (name: string) => {
  if (!(name in packages)) throw new Error(`Cannot find package '${name}'`);
  return packages[name];
};

describe('plugin registry', () => {
  it('installs the built-ins and valid third-party packages, with config JSON Schema and secret fields', async () => {
    const registry = await createPluginRegistry(['acme-lake'], { importer });
    expect(registry.problems).toEqual([]);
    expect(registry.list().map((p) => p.definition.id)).toEqual(['postgres', 'duckdb', 'snowflake', 'bigquery', 'redshift', 'acme-lake']);
    const acme = registry.get('acme-lake')!;
    expect(acme.source).toBe('acme-lake');
    expect(acme.secretFields).toEqual(['token']);
    expect((acme.jsonSchema as { properties: Record<string, unknown> }).properties.bucket).toBeDefined();
  });

  it('knows where each plugin connects: the built-ins mark their targets; a plugin with secrets that marks none binds them to every field', async () => {
    const registry = await createPluginRegistry(['acme-lake'], { importer });
    const targets = (id: string) =>
      registry.get(id)!.targetFields.map((f) => `${f.name}${f.kind ? `:${f.kind}` : ''}${f.override ? ' (override)' : ''}`);
    expect(targets('postgres')).toEqual(['url:url', 'host:host', 'port', 'database', 'user', 'ssl']);
    expect(targets('snowflake')).toEqual(['account', 'username', 'role', 'database', 'accessUrl:url (override)']);
    expect(targets('bigquery')).toEqual([
      'projectId',
      'authentication',
      'workloadIdentityConfig',
      'impersonateServiceAccount',
      'apiEndpoint:url (override)',
      'stsEndpoint:url (override)',
      'iamCredentialsEndpoint:url (override)',
    ]);
    expect(targets('redshift')).toEqual([
      'region',
      'clusterIdentifier',
      'workgroupName',
      'database',
      'dbUser',
      'secretArn',
      'roleArn',
      'externalId',
      's3Bucket',
      's3Prefix',
      's3Region',
      'iamRoleArn',
      'endpoint:url (override)',
      's3Endpoint:url (override)',
      'stsEndpoint:url (override)',
    ]);
    expect(targets('duckdb')).toEqual(['path:file']);
    expect(targets('acme-lake')).toEqual(['bucket']);
  });

  it('refuses a bad, incompatible, missing or conflicting plugin with one clear message each, and keeps the rest', async () => {
    const registry = await createPluginRegistry(['not-a-plugin', 'future-api', 'missing-package', 'steals-duckdb', 'acme-lake'], {
      importer,
    });
    expect(registry.problems).toHaveLength(4);
    expect(registry.problems[0]).toMatch(/^plugin not-a-plugin refused: /);
    expect(registry.problems[1]).toMatch(/^plugin future-api refused: .*api/i);
    expect(registry.problems[2]).toMatch(/^plugin missing-package refused: it could not be loaded \(Cannot find package/);
    expect(registry.problems[3]).toBe('plugin steals-duckdb refused: id "duckdb" is already used by built-in');
    expect(registry.get('acme-lake')).toBeDefined();
    expect(registry.get('duckdb')!.source).toBe('built-in');
  });
});
