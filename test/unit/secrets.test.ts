import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSecretBox, resolveSecretKey } from '../../server/auth/secrets.ts';

const KEY = 'ab'.repeat(32);

describe('secret box', () => {
  it('round-trips, never shows the plaintext, and uses a fresh IV each time', () => {
    const box = createSecretBox(KEY);
    const a = box.seal('{"password":"hunter2"}');
    const b = box.seal('{"password":"hunter2"}');
    expect(a).not.toContain('hunter2');
    expect(a).not.toBe(b);
    expect(box.open(a)).toBe('{"password":"hunter2"}');
  });

  it('refuses a tampered value and the wrong key', () => {
    const sealed = createSecretBox(KEY).seal('secret');
    const [v, iv, tag, body] = sealed.split('.');
    const flipped = `${v}.${iv}.${tag}.${Buffer.from(Buffer.from(body!, 'base64').map((x) => x ^ 1)).toString('base64')}`;
    expect(() => createSecretBox(KEY).open(flipped)).toThrow();
    expect(() => createSecretBox('cd'.repeat(32)).open(sealed)).toThrow();
    expect(() => createSecretBox('abcd')).toThrow(/32 bytes/);
  });

  it('generates a key once in the data folder and reuses it; a configured key wins', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-secret-'));
    try {
      const first = resolveSecretKey(undefined, dir);
      expect(first.generated).toBe(true);
      expect(first.keyHex).toMatch(/^[0-9a-f]{64}$/);
      expect(resolveSecretKey(undefined, dir)).toEqual({ keyHex: first.keyHex, generated: false });
      expect(resolveSecretKey(KEY, dir)).toEqual({ keyHex: KEY, generated: false });
      expect(fs.statSync(path.join(dir, 'secret-key')).mode & 0o077).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
