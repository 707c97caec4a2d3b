import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import { AppError } from '../../server/errors.ts';

describe('configuration', () => {
  it('has defaults that run the embedded mode', () => {
    const config = loadConfig({});
    expect(config.databaseUrl).toBeUndefined();
    expect(config.port).toBe(4000);
    expect(config.plugins).toEqual([]);
  });

  it('names every invalid setting in one message', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        DATABASE_URL: 'mysql://x',
        TRIBUTARY_SECRET_KEY: 'short',
        TRIBUTARY_TRUST_PROXY: 'maybe',
        TRIBUTARY_CORS_ORIGINS: '*',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('INVALID_CONFIGURATION');
    const message = (error as Error).message;
    for (const name of ['PORT', 'DATABASE_URL', 'TRIBUTARY_SECRET_KEY', 'TRIBUTARY_TRUST_PROXY', 'TRIBUTARY_CORS_ORIGINS'])
      expect(message).toContain(name);
  });

  it('serves the demo shop only in the embedded mode unless told otherwise', () => {
    expect(loadConfig({}).demo).toBe(true);
    expect(loadConfig({ DATABASE_URL: 'postgres://db/x' }).demo).toBe(false);
    expect(loadConfig({ DATABASE_URL: 'postgres://db/x', TRIBUTARY_DEMO: 'true' }).demo).toBe(true);
  });

  it('reports invalid destination policy settings together', () => {
    const env = {
      TRIBUTARY_ALLOW_ENDPOINT_OVERRIDES: 'yes',
      TRIBUTARY_DESTINATION_HOSTS: 'db.example.com, not a host, 10.0.0.0/33',
      TRIBUTARY_DESTINATION_PRIVATE_NETWORKS: '10.0.0.0/8,warehouse.internal',
    };
    let error: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('INVALID_CONFIGURATION');
    const message = (error as Error).message;
    expect(message).toContain('TRIBUTARY_ALLOW_ENDPOINT_OVERRIDES');
    expect(message).toContain('TRIBUTARY_DESTINATION_HOSTS: "not a host" is not a host name');
    expect(message).toContain('TRIBUTARY_DESTINATION_HOSTS: "10.0.0.0/33" is not');
    expect(message).toContain('TRIBUTARY_DESTINATION_PRIVATE_NETWORKS: "warehouse.internal" is not an IP address or CIDR block');
  });

  it('lets destinations reach loopback only in the embedded mode, and no override, unless told otherwise', () => {
    const embedded = loadConfig({ DATA_DIR: '/srv/tributary' });
    expect(embedded).toMatchObject({
      allowEndpointOverrides: false,
      destinationHosts: null,
      destinationPrivateNetworks: ['127.0.0.0/8', '::1/128'],
    });
    expect(embedded.destinationFilesDir).toBe('/srv/tributary/destination-files');
    expect(loadConfig({ DATABASE_URL: 'postgres://db/x' }).destinationPrivateNetworks).toEqual([]);
    const told = loadConfig({
      DATABASE_URL: 'postgres://db/x',
      TRIBUTARY_ALLOW_ENDPOINT_OVERRIDES: 'true',
      TRIBUTARY_DESTINATION_HOSTS: '*.corp.example, 34.120.0.0/16',
      TRIBUTARY_DESTINATION_PRIVATE_NETWORKS: '10.0.0.0/8, fd00::/8',
      TRIBUTARY_DESTINATION_FILES_DIR: '/var/lib/warehouses',
    });
    expect(told).toMatchObject({
      allowEndpointOverrides: true,
      destinationHosts: ['*.corp.example', '34.120.0.0/16'],
      destinationPrivateNetworks: ['10.0.0.0/8', 'fd00::/8'],
      destinationFilesDir: '/var/lib/warehouses',
    });
    expect(loadConfig({ TRIBUTARY_DESTINATION_PRIVATE_NETWORKS: '' }).destinationPrivateNetworks).toEqual([]);
  });

  it('splits the plugin list', () => {
    expect(loadConfig({ TRIBUTARY_PLUGINS: 'a, @x/b ,,' }).plugins).toEqual(['a', '@x/b']);
  });

  it('takes exact CORS origins only, none by default', () => {
    expect(loadConfig({}).corsOrigins).toEqual([]);
    expect(loadConfig({ TRIBUTARY_CORS_ORIGINS: 'https://console.example, http://localhost:5173' }).corsOrigins).toEqual([
      'https://console.example',
      'http://localhost:5173',
    ]);
    for (const bad of ['*', 'https://console.example/', 'console.example', 'https://a.example,null']) {
      expect(() => loadConfig({ TRIBUTARY_CORS_ORIGINS: bad }), bad).toThrow(/TRIBUTARY_CORS_ORIGINS/);
    }
  });
});
