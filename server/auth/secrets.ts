import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Encrypts destination credentials at rest with AES-256-GCM. The key comes from
 * TRIBUTARY_SECRET_KEY, or (embedded mode, or a first try with DATABASE_URL) from a key file
 * generated once in the data folder. Every instance sharing a database needs the same key.
 */
export function createSecretBox(keyHex: string) {
  const key = Buffer.from(keyHex, 'hex');
  if (key.length !== 32) throw new Error('the secret key must be 32 bytes (64 hex characters)');
  return {
    seal(plaintext: string): string {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return `v1.${iv.toString('base64')}.${cipher.getAuthTag().toString('base64')}.${body.toString('base64')}`;
    },
    open(sealed: string): string {
      const [version, iv, tag, body] = sealed.split('.');
      if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('unrecognised encrypted value');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
    },
  };
}
export type SecretBox = ReturnType<typeof createSecretBox>;

/** The configured key, or the one kept in `<dataDir>/secret-key` (created on first use). */
export function resolveSecretKey(configured: string | undefined, dataDir: string): { keyHex: string; generated: boolean } {
  if (configured) return { keyHex: configured, generated: false };
  const file = path.join(dataDir, 'secret-key');
  if (fs.existsSync(file)) return { keyHex: fs.readFileSync(file, 'utf8').trim(), generated: false };
  fs.mkdirSync(dataDir, { recursive: true });
  const keyHex = randomBytes(32).toString('hex');
  fs.writeFileSync(file, keyHex, { mode: 0o600 });
  return { keyHex, generated: true };
}
