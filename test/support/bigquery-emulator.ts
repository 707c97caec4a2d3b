/**
 * Starts and stops goccy/bigquery-emulator (built by scripts/build-bigquery-emulator.sh) on
 * 127.0.0.1 for tests.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The pinned version; keep in step with scripts/build-bigquery-emulator.sh. */
export const BIGQUERY_EMULATOR_VERSION = process.env.BQ_EMULATOR_VERSION ?? 'v0.6.6';

/** Where the build script puts the binary (BIGQUERY_EMULATOR_BIN overrides it). */
export function bigqueryEmulatorPath(): string {
  if (process.env.BIGQUERY_EMULATOR_BIN) return process.env.BIGQUERY_EMULATOR_BIN;
  const dir = process.env.TRIBUTARY_BIN_DIR ?? join(homedir(), '.cache', 'tributary', 'bin');
  return join(dir, `bigquery-emulator-${BIGQUERY_EMULATOR_VERSION}`);
}

export function bigqueryEmulatorAvailable(): boolean {
  return existsSync(bigqueryEmulatorPath());
}

/** A running emulator. */
export interface BigqueryEmulator {
  url: string;
  projectId: string;
  /** Everything it printed, for failure messages. */
  output: () => string;
  stop: () => Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts the emulator with an in-memory database and waits until its REST port answers. */
export async function startBigqueryEmulator(projectId = 'test-proj'): Promise<BigqueryEmulator> {
  const [port, grpcPort] = [await freePort(), await freePort()];
  let output = '';
  const child: ChildProcess = spawn(
    bigqueryEmulatorPath(),
    [`--project=${projectId}`, '--host=127.0.0.1', `--port=${port}`, `--grpc-port=${grpcPort}`, '--log-level=warn'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`bigquery-emulator exited with ${code}: ${output}`))),
  );
  exited.catch(() => {});
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const response = await Promise.race([fetch(`${url}/projects/${projectId}/datasets`), exited]);
      if (response.status < 500) break;
    } catch (err) {
      if (child.exitCode !== null) throw err;
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`bigquery-emulator did not answer on ${url} within 30 s: ${output}`, { cause: err });
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    url,
    projectId,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null) return;
      const done = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 5_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
