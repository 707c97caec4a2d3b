import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.ts';

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
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', TRIBUTARY_SECRET_KEY: 'short', TRIBUTARY_TRUST_PROXY: 'maybe', TRIBUTARY_CORS_ORIGINS: '*' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of ['PORT', 'DATABASE_URL', 'TRIBUTARY_SECRET_KEY', 'TRIBUTARY_TRUST_PROXY', 'TRIBUTARY_CORS_ORIGINS']) expect(message).toContain(name);
  });

  it('serves the demo shop only in the embedded mode unless told otherwise', () => {
    expect(loadConfig({}).demo).toBe(true);
    expect(loadConfig({ DATABASE_URL: 'postgres://db/x' }).demo).toBe(false);
    expect(loadConfig({ DATABASE_URL: 'postgres://db/x', TRIBUTARY_DEMO: 'true' }).demo).toBe(true);
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
