/**
 * Builds the web SDK with esbuild:
 * - dist/tributary.js: IIFE for the script tag (minified, global `tributary`), served at /sdk/tributary.js;
 * - dist/tributary.mjs: ESM entry for apps that bundle the SDK, with dist/*.d.ts types.
 *
 * `npx tsx sdk-web/build.ts` builds both and prints their sizes.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type BuildOptions as EsbuildOptions } from 'esbuild';
import ts from 'typescript';

const sdkDir = dirname(fileURLToPath(import.meta.url));
/** Where the built files go. */
export const distDir = join(sdkDir, 'dist');
/** The script-tag bundle the server serves at `/sdk/tributary.js`. */
export const browserBundlePath = join(distDir, 'tributary.js');
/** The ESM entry of the npm-style package. */
export const esmBundlePath = join(distDir, 'tributary.mjs');
/** The demo shop, served at `/demo/`. */
export const demoDir = join(sdkDir, 'demo');

/** Size of one built file. */
export interface BundleSize {
  path: string;
  bytes: number;
  gzipBytes: number;
}

export interface BuildOptions {
  /** Also emit the .d.ts files of the ESM entry (slower; default true). */
  declarations?: boolean;
}

function sizeOf(path: string): BundleSize {
  const content = readFileSync(path);
  return { path, bytes: content.length, gzipBytes: gzipSync(content, { level: 9 }).length };
}

function emitDeclarations(): void {
  const program = ts.createProgram([join(sdkDir, 'src/index.ts')], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
    strict: true,
    skipLibCheck: true,
    types: [],
    declaration: true,
    emitDeclarationOnly: true,
    rootDir: join(sdkDir, 'src'),
    outDir: distDir,
  });
  const result = program.emit();
  const problems = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics];
  if (problems.length) {
    throw new Error(
      ts.formatDiagnostics(problems, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => sdkDir, getNewLine: () => '\n' }),
    );
  }
}

/** Build both bundles (and, unless disabled, the declarations); returns their sizes. */
export async function buildSdk(options: BuildOptions = {}): Promise<{ browser: BundleSize; esm: BundleSize }> {
  const { version } = JSON.parse(readFileSync(join(sdkDir, 'package.json'), 'utf8')) as { version: string };
  const shared: EsbuildOptions = {
    bundle: true,
    target: ['es2020', 'chrome87', 'firefox78', 'safari15', 'edge88'],
    define: { __TRIBUTARY_VERSION__: JSON.stringify(version) },
    legalComments: 'none',
    logLevel: 'warning',
  };
  await Promise.all([
    build({
      ...shared,
      entryPoints: [join(sdkDir, 'src/browser.ts')],
      outfile: browserBundlePath,
      format: 'iife',
      globalName: 'tributary',
      minify: true,
    }),
    build({ ...shared, entryPoints: [join(sdkDir, 'src/index.ts')], outfile: esmBundlePath, format: 'esm', minifySyntax: true }),
  ]);
  if (options.declarations !== false) emitDeclarations();
  return { browser: sizeOf(browserBundlePath), esm: sizeOf(esmBundlePath) };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const sizes = await buildSdk();
  for (const [label, { path, bytes, gzipBytes }] of [
    ['minified', sizes.browser],
    ['not minified', sizes.esm],
  ] as const) {
    console.log(`${relative(process.cwd(), path)}: ${bytes} bytes ${label}, ${gzipBytes} bytes gzipped`);
  }
}
