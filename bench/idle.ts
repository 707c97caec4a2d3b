/**
 * Start time and idle memory of the server on embedded PGlite (no DATABASE_URL), run as
 * `npm start` runs it (test/support/start-command.ts).
 *
 *   npx tsx bench/idle.ts [idleSeconds=30] [root=.]
 *
 * Starts once on a fresh data folder (creates the database), stops it, then starts again on the
 * existing folder and prints the time until /healthz answers, the resident memory after
 * `idleSeconds` idle (VmRSS) and its peak (VmHWM), and, when the server serves metrics, how V8
 * and the external (WASM) memory share it. `root` runs another checkout the same way.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startArguments } from '../test/support/start-command.ts';

const idleSeconds = Number(process.argv[2] ?? 30);
const root = resolve(process.argv[3] ?? '.');
const dataDir = mkdtempSync(join(tmpdir(), 'tributary-idle-'));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

async function start(port: number, metricsPort: number): Promise<{ child: ChildProcess; ms: number }> {
  const started = performance.now();
  const { DATABASE_URL: _, ...env } = process.env;
  const child = spawn(process.execPath, startArguments(root), {
    cwd: root,
    env: { ...env, PORT: String(port), DATA_DIR: dataDir, TRIBUTARY_METRICS_LISTEN: `127.0.0.1:${metricsPort}`, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return { child, ms: performance.now() - started };
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

const statusKb = (pid: number, field: string) =>
  Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

try {
  const port = await freePort();
  const metricsPort = await freePort();
  const first = await start(port, metricsPort);
  console.log(
    `first start (creates the database): ${first.ms.toFixed(0)} ms, RSS ${(statusKb(first.child.pid!, 'VmRSS') / 1024).toFixed(0)} MB, peak ${(statusKb(first.child.pid!, 'VmHWM') / 1024).toFixed(0)} MB`,
  );
  await stop(first.child);
  const second = await start(port, metricsPort);
  console.log(`start on the existing data folder: ${second.ms.toFixed(0)} ms`);
  await new Promise((r) => setTimeout(r, idleSeconds * 1000));
  const pid = second.child.pid!;
  console.log(
    `after ${idleSeconds} s idle: RSS ${(statusKb(pid, 'VmRSS') / 1024).toFixed(0)} MB, peak ${(statusKb(pid, 'VmHWM') / 1024).toFixed(0)} MB`,
  );
  const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then(
    (r) => (r.ok ? r.text() : ''),
    () => '',
  );
  const value = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN);
  if (metrics) {
    console.log(
      `  V8 heap used ${mb(value('nodejs_heap_size_used_bytes'))} of ${mb(value('nodejs_heap_size_total_bytes'))}, external ${mb(value('nodejs_external_memory_bytes'))} (PGlite's WASM memory is external)`,
    );
  }
  await stop(second.child);
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
