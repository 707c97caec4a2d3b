import { expect } from 'vitest';
import type { TestApp } from './app.ts';

/** GraphQL helpers for definition tests: each create asserts success and returns the definition. */

export const DEFINITION_FIELDS = 'id name description state version rule createdTime createdBy modifiedTime modifiedBy';

export type Kind = 'Page' | 'Element' | 'Event';

export function createMutation(kind: Kind): string {
  return `mutation($input: Create${kind}DefinitionInput!) { create${kind}Definition(input: $input) {
    __typename
    ... on ${kind}DefinitionCreated { data { ${DEFINITION_FIELDS} ${kind === 'Page' ? 'priority' : ''} } }
    ... on ValidationError { code message field } } }`;
}

export function updateMutation(kind: Kind): string {
  return `mutation($id: ID!, $input: Update${kind}DefinitionInput!) { update${kind}Definition(id: $id, input: $input) {
    __typename
    ... on ${kind}DefinitionUpdated { data { ${DEFINITION_FIELDS} ${kind === 'Page' ? 'priority' : ''} } }
    ... on AppError { code message }
    ... on ValidationError { field } } }`;
}

export function archiveMutation(kind: Kind): string {
  return `mutation($id: ID!) { archive${kind}Definition(id: $id) {
    __typename
    ... on ${kind}DefinitionArchived { data { ${DEFINITION_FIELDS} } }
    ... on AppError { code message } } }`;
}

export const REORDER = `mutation($ids: [ID!]!) { reorderPageDefinitions(ids: $ids) {
  __typename
  ... on PageDefinitionsReordered { data { pageDefinitions { id priority version } } }
  ... on AppError { code message }
  ... on ValidationError { field } } }`;

/** Creates a definition with the admin key (or `key`) and returns it; fails the test on any error. */
export async function define(t: TestApp, kind: Kind, input: Record<string, unknown>, key?: string): Promise<any> {
  const r = await t.gql(createMutation(kind), { input }, key);
  expect(r.body.errors).toBeUndefined();
  const result = r.body.data[`create${kind}Definition`];
  expect(result.__typename, JSON.stringify(result)).toBe(`${kind}DefinitionCreated`);
  return result.data;
}

export async function update(t: TestApp, kind: Kind, id: string, input: Record<string, unknown>, key?: string): Promise<any> {
  const r = await t.gql(updateMutation(kind), { id, input }, key);
  expect(r.body.errors).toBeUndefined();
  const result = r.body.data[`update${kind}Definition`];
  expect(result.__typename, JSON.stringify(result)).toBe(`${kind}DefinitionUpdated`);
  return result.data;
}

export async function archive(t: TestApp, kind: Kind, id: string, key?: string): Promise<any> {
  const r = await t.gql(archiveMutation(kind), { id }, key);
  expect(r.body.errors).toBeUndefined();
  const result = r.body.data[`archive${kind}Definition`];
  expect(result.__typename, JSON.stringify(result)).toBe(`${kind}DefinitionArchived`);
  return result.data;
}
