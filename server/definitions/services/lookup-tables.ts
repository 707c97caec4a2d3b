import type { DefinitionRow, DefinitionTable, DefinitionTables } from '@tributary/destination-sdk';
import type { Database } from '../../db/client.ts';
import { listDefinitionLookupRecords } from '../../db/queries/definitions.ts';
import type { DefinitionKind } from '../../db/schema/index.ts';

const TABLE_OF: Record<DefinitionKind, DefinitionTable> = {
  page: 'page_definitions',
  element: 'element_definitions',
  event: 'event_definitions',
};

/**
 * The current content of the warehouse lookup tables of an organization (docs/warehouse-schema.md, "Lookup tables"): every
 * definition, active and archived, with its current name and description and its rule as JSON
 * text, each table ordered by id. This is what the sync writes; it reads nothing else.
 */
export async function definitionLookupTables(db: Database, orgId: string): Promise<DefinitionTables> {
  const tables: DefinitionTables = { event_definitions: [], page_definitions: [], element_definitions: [] };
  for (const record of await listDefinitionLookupRecords(db, orgId)) {
    const row: DefinitionRow = {
      id: record.id,
      name: record.name,
      description: record.description,
      state: record.state,
      version: record.version,
      rule: JSON.stringify(record.rule),
      created_time: record.created_time,
      created_by: record.created_by,
      modified_time: record.modified_time,
      modified_by: record.modified_by,
    };
    tables[TABLE_OF[record.kind]].push(row);
  }
  return tables;
}
