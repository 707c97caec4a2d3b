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
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', TRIBUTARY_SECRET_KEY: 'short', TRIBUTARY_TRUST_PROXY: 'maybe' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of ['PORT', 'DATABASE_URL', 'TRIBUTARY_SECRET_KEY', 'TRIBUTARY_TRUST_PROXY']) expect(message).toContain(name);
  });

  it('serves the demo shop only in the embedded mode unless told otherwise', () => {
    expect(loadConfig({}).demo).toBe(true);
    expect(loadConfig({ DATABASE_URL: 'postgres://db/x' }).demo).toBe(false);
    expect(loadConfig({ DATABASE_URL: 'postgres://db/x', TRIBUTARY_DEMO: 'true' }).demo).toBe(true);
  });

  it('splits the plugin list', () => {
    expect(loadConfig({ TRIBUTARY_PLUGINS: 'a, @x/b ,,' }).plugins).toEqual(['a', '@x/b']);
  });
});
