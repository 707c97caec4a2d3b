/**
 * Builds the console with esbuild (run by `npm install` after the web SDK, see package.json
 * "prepare"): console/src/main.tsx → console/dist/console.js, served at /console/console.js.
 *
 * `npx tsx console/build.ts` builds it and prints its size.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/** The console's static files: index.html and console.css here, the bundle in dist/. */
export const consoleDir = dirname(fileURLToPath(import.meta.url));
export const consoleBundlePath = join(consoleDir, 'dist/console.js');

/** Builds the bundle; returns its size in bytes, minified and gzipped. */
export async function buildConsole(): Promise<{ bytes: number; gzipBytes: number }> {
  await build({
    entryPoints: [join(consoleDir, 'src/main.tsx')],
    outfile: consoleBundlePath,
    bundle: true,
    format: 'esm',
    minify: true,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    target: ['es2022', 'chrome100', 'firefox100', 'safari15.4'],
    legalComments: 'none',
    logLevel: 'warning',
  });
  const content = readFileSync(consoleBundlePath);
  return { bytes: content.length, gzipBytes: gzipSync(content, { level: 9 }).length };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { bytes, gzipBytes } = await buildConsole();
  console.log(`${relative(process.cwd(), consoleBundlePath)}: ${bytes} bytes minified, ${gzipBytes} bytes gzipped`);
}
