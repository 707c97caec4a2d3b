import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  DESTINATION_API_VERSION,
  classifyError,
  defineDestination,
  secret,
  silentLogger,
  target,
  type DestinationConnection,
} from '@tributary/destination-sdk';
import { createPluginRegistry } from '../../server/plugins/registry.ts';
import { createTargetGuard, type TargetPolicy } from '../../server/sync/targets.ts';

// A plugin that records the configs it was asked to connect with, and sends nothing.
const connected: Record<string, unknown>[] = [];
const recorder = defineDestination({
  id: 'recorder',
  displayName: 'Recorder',
  version: '1.0.0',
  apiVersion: DESTINATION_API_VERSION,
  description: 'records connects',
  config: z.object({
    host: target(z.string(), { kind: 'host' }).optional(),
    endpoint: target(z.url(), { kind: 'url', override: true }).optional(),
    token: secret(z.string()).optional(),
  }),
  connect: async (config) => {
    connected.push(config);
    return {} as DestinationConnection;
  },
});
const plugin = (await createPluginRegistry([], { builtIns: [recorder] })).get('recorder')!;

/** A resolver that knows a few names, as DNS would answer at connect time. */
const DNS: Record<string, string[]> = {
  'warehouse.example.com': ['34.120.1.2'],
  'rebound.example.com': ['10.0.0.5'],
  'mixed.example.com': ['34.120.1.2', '169.254.169.254'],
  'mapped.example.com': ['::ffff:127.0.0.1'],
  'zoned.example.com': ['fe80::1%eth0'],
};
const lookup = async (name: string) => {
  const addresses = DNS[name];
  if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
  return addresses;
};

function guard(policy: Partial<TargetPolicy> = {}) {
  return createTargetGuard({
    allowEndpointOverrides: false,
    destinationHosts: null,
    privateNetworks: [],
    filesDir: '/nonexistent',
    lookup,
    ...policy,
  });
}

async function connect(policy: Partial<TargetPolicy>, config: Record<string, unknown>, clearedSecrets: string[] | null = null) {
  connected.length = 0;
  return guard(policy).connect(plugin, { clearedSecrets }, config, { logger: silentLogger });
}

describe('the target guard when connecting', () => {
  it('refuses a host name that resolves to a private address, before the plugin connects', async () => {
    // a name passes the checks at create: only DNS tells where it leads
    await expect(guard().checkConfig(plugin, { host: 'rebound.example.com' })).resolves.toMatchObject({ localFile: null });
    await expect(connect({}, { host: 'rebound.example.com' })).rejects.toMatchObject({
      code: 'DESTINATION_HOST_NOT_ALLOWED',
      kind: 'config',
      message: expect.stringContaining('rebound.example.com resolves to a private'),
    });
    expect(connected).toEqual([]);
    // the address itself stays out of the message
    await expect(connect({}, { host: 'rebound.example.com' })).rejects.not.toMatchObject({ message: expect.stringContaining('10.0.0.5') });
  });

  it('refuses when any address is refused, in any notation', async () => {
    for (const host of ['mixed.example.com', 'mapped.example.com', 'zoned.example.com']) {
      await expect(connect({}, { host }), host).rejects.toMatchObject({ code: 'DESTINATION_HOST_NOT_ALLOWED' });
    }
    await expect(connect({ allowEndpointOverrides: true }, { endpoint: 'https://rebound.example.com/api' })).rejects.toMatchObject({
      code: 'DESTINATION_HOST_NOT_ALLOWED',
      field: 'endpoint',
    });
    expect(connected).toEqual([]);
  });

  it('connects when every address is public or in an allowed private network', async () => {
    await connect({}, { host: 'warehouse.example.com', token: 't' });
    await connect({ privateNetworks: ['10.0.0.0/8'] }, { host: 'rebound.example.com' });
    await connect({ privateNetworks: ['127.0.0.0/8'] }, { host: 'mapped.example.com' });
    expect(connected).toEqual([{ host: 'mapped.example.com' }]);
  });

  it('checks the policy again: overrides and hosts refused since the create stay refused', async () => {
    await expect(connect({}, { endpoint: 'https://warehouse.example.com' })).rejects.toMatchObject({
      code: 'ENDPOINT_OVERRIDE_NOT_ALLOWED',
    });
    await expect(connect({ destinationHosts: ['*.corp.example'] }, { host: 'warehouse.example.com' })).rejects.toMatchObject({
      code: 'DESTINATION_HOST_NOT_ALLOWED',
    });
    expect(connected).toEqual([]);
  });

  it('refuses a destination whose secrets were cleared, before resolving anything', async () => {
    await expect(connect({}, { host: 'unknown.example.com' }, ['token'])).rejects.toMatchObject({
      code: 'SECRETS_REQUIRED',
      kind: 'config',
    });
  });

  it('lets a failed lookup through as the retryable network error it is', async () => {
    const error = await connect({}, { host: 'unknown.example.com' }).catch((e: unknown) => e);
    expect(classifyError(error)).toBe('retryable');
    expect(connected).toEqual([]);
  });
});
