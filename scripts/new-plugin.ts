/**
 * `npm run plugin:new -- <folder> [--id <kebab-case-id>] [--name <npm-package-name>]`: creates a
 * destination plugin package from the template, plugins/example (its sources, contract test,
 * tsconfig.json, README.md and package.json), in a folder of the user's choosing. The new package refers to
 * nothing in this repository: it depends on `@tributary/destination-sdk` by name.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const TEMPLATE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../plugins/example');
/** What a plugin package holds; build output and installed modules are left behind. */
const TEMPLATE_ENTRIES = ['package.json', 'tsconfig.json', 'README.md', 'src', 'test'];
const TEMPLATE_ID = 'example-jsonl';
const KEBAB_CASE = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

/** Creates the plugin package in `folder` (which must be missing or empty); returns its package name. */
export function createPluginPackage(folder: string, options: { id?: string; name?: string } = {}): { id: string; name: string } {
  const base = path
    .basename(folder)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const id = options.id ?? base.replace(/^[^a-z]+/, '');
  if (!KEBAB_CASE.test(id)) throw new Error(`plugin id "${id}" must be kebab-case (give one with --id)`);
  const name = options.name ?? base;
  if (fs.existsSync(folder) && fs.readdirSync(folder).length > 0) throw new Error(`${folder} exists and is not empty`);
  fs.mkdirSync(folder, { recursive: true });
  for (const entry of TEMPLATE_ENTRIES) {
    fs.cpSync(path.join(TEMPLATE, entry), path.join(folder, entry), { recursive: true });
  }
  const manifest = JSON.parse(fs.readFileSync(path.join(folder, 'package.json'), 'utf8')) as Record<string, unknown>;
  delete manifest.private;
  const created = { ...manifest, name, version: '0.1.0', description: `Tributary destination plugin ${id}` };
  fs.writeFileSync(path.join(folder, 'package.json'), `${JSON.stringify(created, null, 2)}\n`);
  const source = path.join(folder, 'src/index.ts');
  const text = fs.readFileSync(source, 'utf8');
  if (!text.includes(`id: '${TEMPLATE_ID}'`)) throw new Error(`the template's src/index.ts no longer declares id '${TEMPLATE_ID}'`);
  fs.writeFileSync(source, text.replace(`id: '${TEMPLATE_ID}'`, `id: '${id}'`));
  return { id, name };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({ options: { id: { type: 'string' }, name: { type: 'string' } }, allowPositionals: true });
  if (positionals.length !== 1) {
    console.error('usage: npm run plugin:new -- <folder> [--id <kebab-case-id>] [--name <npm-package-name>]');
    process.exit(2);
  }
  // npm runs scripts from the repository's root; the folder is relative to where the user typed it.
  const folder = path.resolve(process.env.INIT_CWD ?? process.cwd(), positionals[0]!);
  try {
    const { id, name } = createPluginPackage(folder, values);
    console.log(`Created ${name} (destination id "${id}") in ${folder}.
Next:
  (cd ${path.dirname(path.dirname(TEMPLATE))} && npm pack --workspace @tributary/destination-sdk --pack-destination ${folder})
  cd ${folder}
  npm install ./tributary-destination-sdk-*.tgz   # the SDK, and with it zod, vitest and TypeScript
  npm test             # the contract kit against the plugin
  npm run build        # dist/index.js and its types
Then start Tributary with TRIBUTARY_PLUGINS=${folder} (or the package name once installed).`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
