import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify, stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importPluginPackage } from '../../server/plugins/registry.ts';
import { createTestOrg, openTestDatabase, TEST_SECRET_KEY, type TestOrg } from '../support/app.ts';
import type { Database } from '../../server/db/client.ts';
import { requirement, testPostgresUrl } from '../support/requirements.ts';
import { repositoryRoot, startArguments } from '../support/start-command.ts';

// Issue #17, the proof that a third party can write a destination outside this repository: the
// SDK packed with `npm pack`, a plugin package created from the template in a folder of its own
// with that tarball installed (zod, vitest and TypeScript from the registry), the contract kit run
// there from `@tributary/destination-sdk/testing`, then the real server started as `npm start`
// does with the package in TRIBUTARY_PLUGINS, syncing captured events through it.

const hasPostgres = requirement('a real Postgres', testPostgresUrl() !== undefined, 'set DATABASE_URL to a test database');
const exec = promisify(execFile);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
// The child processes get no vitest variables: the plugin's own `npm test` runs a vitest of its own.
const childEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST') && name !== 'NODE_OPTIONS'));

async function run(args: string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await exec(npm, args, { cwd, env: childEnv, maxBuffer: 32 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`npm ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}\n${stderr ?? ''}`, { cause: error });
  }
}

/** Every file under `folder`, following no symbolic link, skipping the listed subfolders. */
function filesUnder(folder: string, skip: (relative: string) => boolean, base = folder): string[] {
  return fs.readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(folder, entry.name);
    const relative = path.relative(base, full);
    if (skip(relative)) return [];
    if (entry.isSymbolicLink()) return [full];
    return entry.isDirectory() ? filesUnder(full, skip, base) : [full];
  });
}

describe('TRIBUTARY_PLUGINS entries that are folders', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-plugin-folders-'));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  function pluginFolder(name: string, manifest: Record<string, unknown>, file: string): string {
    const folder = path.join(root, name);
    fs.mkdirSync(path.join(folder, path.dirname(file)), { recursive: true });
    fs.writeFileSync(path.join(folder, 'package.json'), JSON.stringify({ name, type: 'module', ...manifest }));
    fs.writeFileSync(path.join(folder, file), `export default ${JSON.stringify(name)};`);
    return folder;
  }

  it("loads a folder through its package.json exports (string, '.', import or default condition) or main", async () => {
    const folders = [
      pluginFolder('a', { exports: './lib/a.js' }, 'lib/a.js'),
      pluginFolder(
        'b',
        { exports: { '.': { types: './b.d.ts', import: './dist/b.js' }, './package.json': './package.json' } },
        'dist/b.js',
      ),
      pluginFolder('c', { exports: { types: './c.d.ts', default: './out/c.js' } }, 'out/c.js'),
      pluginFolder('d', { main: 'main.js' }, 'main.js'),
      pluginFolder('e', {}, 'index.js'),
    ];
    const loaded = await Promise.all(folders.map(async (folder) => ((await importPluginPackage(folder)) as { default: string }).default));
    expect(loaded).toEqual(['a', 'b', 'c', 'd', 'e']);
  });
});

describe.runIf(hasPostgres)('a destination plugin built outside the repository on the packed SDK', () => {
  const work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-plugin-package-')));
  const pluginDir = path.join(work, 'acme-files');
  const warehouseDir = path.join(work, 'warehouse');
  let store: { db: Database; url: string | undefined; drop(): Promise<void> };
  let org: TestOrg;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    store = await openTestDatabase();
    org = await createTestOrg(store.db, 'plugin package');
  });
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await store?.drop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('packs the SDK, creates a plugin from the template and passes the contract kit there, with no path into the repository', async () => {
    expect(path.relative(repositoryRoot, work).startsWith('..')).toBe(true);
    const [packed] = JSON.parse(
      await run(['pack', '--workspace', '@tributary/destination-sdk', '--pack-destination', work, '--json'], repositoryRoot),
    ) as {
      filename: string;
      files: { path: string }[];
    }[];
    expect(packed!.files.map((f) => f.path)).toEqual(
      expect.arrayContaining(['package.json', 'dist/index.js', 'dist/index.d.ts', 'dist/testing.js', 'dist/testing.d.ts']),
    );
    expect(packed!.files.some((f) => f.path.startsWith('src/'))).toBe(false);

    await run(['run', 'plugin:new', '--', pluginDir, '--id', 'acme-files'], repositoryRoot);
    await run(['install', '--prefer-offline', '--no-audit', '--no-fund', path.join(work, packed!.filename)], pluginDir);
    const sdk = path.join(pluginDir, 'node_modules/@tributary/destination-sdk');
    expect(fs.lstatSync(sdk).isSymbolicLink()).toBe(false);
    expect(JSON.parse(fs.readFileSync(path.join(sdk, 'package.json'), 'utf8')).version).toBe(
      JSON.parse(fs.readFileSync(path.join(repositoryRoot, 'plugins/sdk/package.json'), 'utf8')).version,
    );

    await run(['run', 'build'], pluginDir);
    const tested = stripVTControlCharacters(await run(['test'], pluginDir));
    expect(tested).toMatch(/Tests\s+\d+ passed \(\d+\)/);
    expect(tested).not.toMatch(/failed|skipped/);

    // the package, its lock file and the SDK it installed never name this repository
    const theirs = filesUnder(
      pluginDir,
      (relative) =>
        relative.startsWith('node_modules') && !relative.startsWith(path.join('node_modules', '@tributary')) && relative !== 'node_modules',
    );
    expect(theirs).toContain(path.join(pluginDir, 'package-lock.json'));
    expect(theirs).toContain(path.join(sdk, 'dist/testing.js'));
    for (const file of theirs) {
      if (fs.lstatSync(file).isSymbolicLink()) expect(fs.realpathSync(file).startsWith(repositoryRoot)).toBe(false);
      else expect(fs.readFileSync(file, 'utf8'), file).not.toContain(repositoryRoot);
    }
  });

  it('is loaded by the server from TRIBUTARY_PLUGINS and syncs captured events', async () => {
    fs.mkdirSync(warehouseDir);
    const proc = spawn(process.execPath, startArguments(), {
      cwd: repositoryRoot,
      env: {
        ...childEnv,
        DATABASE_URL: store.url,
        PORT: '0',
        HOST: '127.0.0.1',
        DATA_DIR: path.join(work, 'data'),
        TRIBUTARY_SECRET_KEY: TEST_SECRET_KEY,
        TRIBUTARY_PLUGINS: pluginDir,
        TRIBUTARY_DEMO: 'false',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    let stderr = '';
    const problems: unknown[] = [];
    proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const base = await new Promise<string>((resolve, reject) => {
      let buffer = '';
      proc.stdout!.on('data', (d: Buffer) => {
        buffer += d.toString();
        const lines = buffer.split('\n');
        buffer = lines.pop()!;
        for (const line of lines) {
          const record = JSON.parse(line) as { msg: string; graphql?: string; problem?: string };
          if (record.problem) problems.push(record.problem);
          if (record.msg === 'Tributary is running') resolve(record.graphql!.replace(/\/graphql$/, ''));
        }
      });
      proc.once('exit', (code) => reject(new Error(`the server exited (${code}) before listening: ${stderr}`)));
    });
    expect(problems).toEqual([]);

    const gql = async (query: string, variables: Record<string, unknown> = {}) => {
      const r = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${org.keys.admin}` },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await r.json()) as any;
      expect(body.errors).toBeUndefined();
      return body.data;
    };
    const plugins = await gql(`{ destinationPlugins { id source configSchema } }`);
    const acme = plugins.destinationPlugins.find((p: { id: string }) => p.id === 'acme-files');
    expect(acme.source).toBe(pluginDir);
    // the plugin's schema is built with its own zod, the host's JSON Schema with the host's: the
    // field's description still crosses (zod 4.2+ keeps its metadata registry on globalThis)
    expect(fs.existsSync(path.join(pluginDir, 'node_modules/zod/package.json'))).toBe(true);
    expect(acme.configSchema.properties.directory.description).toBe('Existing folder that holds one .jsonl file per table');

    const created = await gql(
      `mutation($input: DestinationInput!) { createDestination(input: $input) { __typename ... on DestinationCreated { data { id } } } }`,
      { input: { name: 'acme', pluginId: 'acme-files', config: { directory: warehouseDir } } },
    );
    const id = created.createDestination.data.id as string;
    const captured = await fetch(`${base}/capture/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${org.keys.capture}` },
      body: JSON.stringify({
        device_id: '4242',
        session_id: '1',
        events: [
          { id: 'n1', seq: 1, view_id: '1', time: Date.now() - 2000, type: 'navigate', url: 'https://shop.example/a' },
          { id: 'c1', seq: 2, view_id: '1', time: Date.now() - 1000, type: 'click', target: { text: 'Buy', path: [{ tag: 'button' }] } },
        ],
      }),
    });
    expect(captured.status).toBe(202);

    await gql(`mutation($id: ID!) { syncDestinationNow(id: $id) { __typename } }`, { id });
    let runs: { status: string; rows: number; error: string | null }[] = [];
    for (const until = Date.now() + 60_000; Date.now() < until; await new Promise((resolve) => setTimeout(resolve, 200))) {
      runs = (await gql(`query($id: ID!) { destination(id: $id) { runs(first: 5) { nodes { status rows error } } } }`, { id })).destination
        .runs.nodes;
      if (runs.some((r) => r.status !== 'queued' && r.status !== 'running')) break;
    }
    expect(runs[0]).toMatchObject({ status: 'succeeded', rows: 2, error: null });
    const rows = fs
      .readFileSync(path.join(warehouseDir, 'events.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { event_type: string; device_id: string });
    expect(rows.map((r) => [r.device_id, r.event_type]).sort()).toEqual([
      ['4242', 'click'],
      ['4242', 'navigate'],
    ]);
  });
});
