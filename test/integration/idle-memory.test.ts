import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startArguments } from '../support/start-command.ts';
import { afterAll, describe, expect, it } from 'vitest';

// Issue #16: the idle server on embedded PGlite stays within a documented bound (README,
// Performance; bench/idle.ts prints the figures), also right after the first start, whose
// initdb and migrations grow WASM memory that is never given back.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const IDLE_RSS_BOUND_MB = 500;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-idle-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const rssMb = (pid: number, field = 'VmRSS') =>
  Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

async function startIdle(): Promise<{ rss: number; stop(): Promise<number | null> }> {
  const { DATABASE_URL: _, ...env } = process.env;
  const child = spawn(process.execPath, startArguments(), {
    cwd: root,
    env: { ...env, PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('Tributary is running') && resolve());
    void exited.then((code) => reject(new Error(`exited with ${code}`)));
  });
  // Idle is what the process settles to: right after the first start, the WASM memory of the
  // initdb instance goes back only when V8 collects that instance (measured: 476 MB for 7 s, then
  // 351–397 MB on an idle machine; on a loaded one the collection comes later). So RSS is read
  // every second for up to 20 s and the test takes the first reading under the bound, else the last.
  let rss = rssMb(child.pid!);
  for (let waited = 0; waited < 20 && !(rss < IDLE_RSS_BOUND_MB && waited >= 3); waited += 1) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    rss = rssMb(child.pid!);
  }
  return {
    rss,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

describe.runIf(process.platform === 'linux')('the idle server on PGlite', () => {
  it(`stays under ${IDLE_RSS_BOUND_MB} MB after its first start and after a restart`, async () => {
    const first = await startIdle();
    expect(await first.stop()).toBe(0);
    const again = await startIdle();
    expect(await again.stop()).toBe(0);
    expect(first.rss, 'first start (initdb and migrations)').toBeLessThan(IDLE_RSS_BOUND_MB);
    expect(again.rss, 'start on the existing data folder').toBeLessThan(IDLE_RSS_BOUND_MB);
  }, 180_000);
});
