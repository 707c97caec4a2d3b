import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { runDestinationContract } from '@tributary/destination-sdk/testing';
import type { StoredDefinitionRow } from '@tributary/destination-sdk/testing';
import type { StoredEventRow } from '@tributary/destination-sdk';
import exampleDestination, { createExampleWarehouse, tableFile } from '../src/index.ts';
import type { ExampleDestinationConfig } from '../src/index.ts';

const root = mkdtempSync(join(tmpdir(), 'tributary-example-'));
const notAFolder = join(root, 'a-file');
writeFileSync(notAFolder, '');
let folders = 0;

afterAll(() => rmSync(root, { recursive: true, force: true }));

function readTable<T>(config: ExampleDestinationConfig, table: string): T[] {
  return readFileSync(tableFile(config, table), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as T);
}

runDestinationContract({
  name: 'example destination (JSON lines)',
  definition: exampleDestination,
  config: async () => {
    const config = { directory: join(root, `warehouse-${(folders += 1)}`) };
    await createExampleWarehouse(config);
    return config;
  },
  readEvents: async (config) => readTable<StoredEventRow>(config, 'events'),
  readStagingCount: async (config) => readTable(config, 'raw_events').length,
  readDefinitions: async (config, table) => readTable<StoredDefinitionRow>(config, table),
  failures: [
    { name: 'the folder does not exist', config: () => ({ directory: join(root, 'missing') }), expect: 'config' },
    { name: 'the path is a file', config: () => ({ directory: notAFolder }), expect: 'config' },
  ],
});
