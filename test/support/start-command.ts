import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root. */
export const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The node arguments of `npm start` (package.json `scripts.start`, `tsx <node flags> server/main.ts`:
 * tsx's loader, then the flags): tests and benches that run the real server process run it
 * exactly as users do. `root` names another checkout (bench/idle.ts compares them).
 */
export function startArguments(root = repositoryRoot): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const [command, ...args] = pkg.scripts.start.split(/\s+/);
  if (command === 'node') return args;
  if (command === 'tsx') return ['--import', 'tsx', ...args];
  throw new Error(`scripts.start must run node or tsx (it runs ${command})`);
}

/**
 * The node flags of `npm start` alone (its memory flags), with tsx's loader, for a script other
 * than the server: `[...scriptArguments(), 'bench/warehouses-snowflake.ts']`. The warehouse benchmarks run their
 * plugin this way, as the sync host runs it inside the server.
 */
export function scriptArguments(root = repositoryRoot): string[] {
  return startArguments(root).slice(0, -1);
}
