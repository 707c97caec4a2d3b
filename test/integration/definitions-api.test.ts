import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { definitionLookupTables } from '../../server/definitions/services/lookup-tables.ts';
import { DEFINITION_ROW_COLUMNS } from '@tributary/destination-sdk';
import { createTestOrg, startTestApp, type TestApp, type TestOrg } from '../support/app.ts';
import { archive, archiveMutation, createMutation, define, REORDER, update, updateMutation, type Kind } from '../support/definitions.ts';

let t: TestApp;
let other: TestOrg;
beforeAll(async () => {
  t = await startTestApp();
  other = await createTestOrg(t.db, 'other org');
});
afterAll(() => t.close());

let pathCounter = 0;
const uniquePath = () => `/api-test/${++pathCounter}/**`;

describe('definition access by role', () => {
  it('lets admins and architects create, update and archive every kind, and reorder pages', async () => {
    for (const role of ['admin', 'architect'] as const) {
      const key = t.org.keys[role];
      const page = await define(t, 'Page', { name: `${role} page`, rule: { path: uniquePath() } }, key);
      const element = await define(t, 'Element', { name: `${role} element`, rule: { selector: `#${role}` } }, key);
      const event = await define(t, 'Event', { name: `${role} event`, rule: { eventType: 'custom' } }, key);
      for (const [kind, definition] of [
        ['Page', page],
        ['Element', element],
        ['Event', event],
      ] as [Kind, { id: string }][]) {
        const updated = await t.gql(updateMutation(kind), { id: definition.id, input: { description: 'edited' } }, key);
        expect(updated.body.data[`update${kind}Definition`].__typename).toBe(`${kind}DefinitionUpdated`);
      }
      const pages = await t.gql(`{ pageDefinitions { nodes { id } } }`, {}, key);
      const reorder = await t.gql(REORDER, { ids: pages.body.data.pageDefinitions.nodes.map((p: { id: string }) => p.id).reverse() }, key);
      expect(reorder.body.data.reorderPageDefinitions.__typename).toBe('PageDefinitionsReordered');
      for (const [kind, definition] of [
        ['Event', event],
        ['Element', element],
        ['Page', page],
      ] as [Kind, { id: string }][]) {
        const archived = await t.gql(archiveMutation(kind), { id: definition.id }, key);
        expect(archived.body.data[`archive${kind}Definition`].data.state).toBe('archived');
      }
    }
  });

  it('refuses every mutation to analyst keys (FORBIDDEN) and capture keys (403), but lets analysts read', async () => {
    const page = await define(t, 'Page', { name: 'readable', rule: { path: uniquePath() } });
    const element = await define(t, 'Element', { name: 'readable', rule: { selector: '.readable' } });
    const event = await define(t, 'Event', { name: 'readable', rule: { eventType: 'load' } });
    const ids: Record<Kind, string> = { Page: page.id, Element: element.id, Event: event.id };
    const rules: Record<Kind, unknown> = { Page: { path: '/x' }, Element: { selector: 'a' }, Event: { eventType: 'click' } };
    for (const role of ['analyst', 'capture'] as const) {
      const key = t.org.keys[role];
      const attempts = [
        ...(['Page', 'Element', 'Event'] as Kind[]).flatMap((kind) => [
          t.gql(createMutation(kind), { input: { name: 'x', rule: rules[kind] } }, key),
          t.gql(updateMutation(kind), { id: ids[kind], input: { name: 'x' } }, key),
          t.gql(archiveMutation(kind), { id: ids[kind] }, key),
        ]),
        t.gql(REORDER, { ids: [page.id] }, key),
      ];
      for (const r of await Promise.all(attempts)) {
        expect(r.body.errors?.[0]?.extensions?.code, JSON.stringify(r.body)).toBe('FORBIDDEN');
        if (role === 'capture') expect(r.status).toBe(403);
        else expect(r.body.data).toBeNull();
      }
    }
    const read = await t.gql(
      `query($p: ID!) { pageDefinitions { nodes { id } } elementDefinitions { nodes { id } } eventDefinitions { nodes { id } } pageDefinition(id: $p) { id name priority } }`,
      { p: page.id },
      t.org.keys.analyst,
    );
    expect(read.body.errors).toBeUndefined();
    expect(read.body.data.pageDefinition).toMatchObject({ id: page.id, name: 'readable' });
    expect(read.body.data.elementDefinitions.nodes.map((d: { id: string }) => d.id)).toContain(element.id);
    expect(read.body.data.eventDefinitions.nodes.map((d: { id: string }) => d.id)).toContain(event.id);
    // nothing changed
    const again = await t.gql(`query($p: ID!) { pageDefinition(id: $p) { version state } }`, { p: page.id });
    expect(again.body.data.pageDefinition).toEqual({ version: 1, state: 'active' });
    const capture = await t.gql(`{ pageDefinitions { nodes { id } } }`, {}, t.org.keys.capture);
    expect(capture.status).toBe(403);
  });
});

describe('definition lifecycle', () => {
  it('records ids, versions, authors and UTC times', async () => {
    const me = await t.gql(`{ me { apiKeyId } }`, {}, t.org.keys.architect);
    const created = await define(
      t,
      'Element',
      { name: ' Sign up button ', description: 'the big one', rule: { selector: '#signup-button' } },
      t.org.keys.architect,
    );
    expect(created).toMatchObject({
      name: 'Sign up button',
      description: 'the big one',
      state: 'active',
      version: 1,
      rule: { selector: '#signup-button' },
      createdBy: `api-key:${me.body.data.me.apiKeyId}`,
      modifiedBy: `api-key:${me.body.data.me.apiKeyId}`,
    });
    expect(created.id).toMatch(/^el_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(created.createdTime).toMatch(/Z$/);
    const edited = await update(t, 'Element', created.id, { name: 'Sign-up button', rule: { selector: 'button#signup-button' } });
    expect(edited).toMatchObject({
      version: 2,
      name: 'Sign-up button',
      rule: { selector: 'button#signup-button' },
      createdBy: created.createdBy,
    });
    expect(edited.modifiedBy).toMatch(/^api-key:/);
    expect(Date.parse(edited.modifiedTime)).toBeGreaterThanOrEqual(Date.parse(created.modifiedTime));
    const archived = await archive(t, 'Element', created.id);
    expect(archived).toMatchObject({ state: 'archived', version: 3 });
    // archiving again changes nothing
    expect(await archive(t, 'Element', created.id)).toMatchObject({ state: 'archived', version: 3 });
    const list = await t.gql(
      `{ active: elementDefinitions { nodes { id } } all: elementDefinitions(includeArchived: true) { nodes { id state } } }`,
    );
    expect(list.body.data.active.nodes.map((d: { id: string }) => d.id)).not.toContain(created.id);
    expect(list.body.data.all.nodes).toContainEqual({ id: created.id, state: 'archived' });
  });

  it('orders page definitions by priority, appends new ones, and reorders explicitly', async () => {
    const org = await createTestOrg(t.db, 'ordering org');
    const a = await define(t, 'Page', { name: 'A', rule: { path: '/a/**' } }, org.keys.admin);
    const b = await define(t, 'Page', { name: 'B', rule: { path: '/b/**' } }, org.keys.admin);
    const c = await define(t, 'Page', { name: 'C', rule: { path: '/c/**' }, priority: 5 }, org.keys.admin);
    expect([a.priority, b.priority, c.priority]).toEqual([10, 20, 5]);
    const listed = await t.gql(`{ pageDefinitions { nodes { id } } }`, {}, org.keys.analyst);
    expect(listed.body.data.pageDefinitions.nodes.map((p: { id: string }) => p.id)).toEqual([c.id, a.id, b.id]);

    const reordered = await t.gql(REORDER, { ids: [b.id, c.id, a.id] }, org.keys.architect);
    expect(reordered.body.data.reorderPageDefinitions.data.pageDefinitions).toEqual([
      { id: b.id, priority: 10, version: 2 },
      { id: c.id, priority: 20, version: 2 },
      { id: a.id, priority: 30, version: 2 },
    ]);
    // an unchanged position is not an edit
    const same = await t.gql(REORDER, { ids: [b.id, c.id, a.id] }, org.keys.architect);
    expect(same.body.data.reorderPageDefinitions.data.pageDefinitions.map((p: { version: number }) => p.version)).toEqual([2, 2, 2]);

    const incomplete = await t.gql(REORDER, { ids: [a.id, b.id] }, org.keys.admin);
    expect(incomplete.body.data.reorderPageDefinitions).toMatchObject({
      __typename: 'ValidationError',
      code: 'INCOMPLETE_ORDER',
      field: 'ids',
    });
    const twice = await t.gql(REORDER, { ids: [a.id, a.id, b.id, c.id] }, org.keys.admin);
    expect(twice.body.data.reorderPageDefinitions).toMatchObject({ code: 'DUPLICATE_PRIORITY' });
    const unknown = await t.gql(REORDER, { ids: [a.id, b.id, c.id, 'pd_NOPE'] }, org.keys.admin);
    expect(unknown.body.data.reorderPageDefinitions).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });

    const clash = await t.gql(createMutation('Page'), { input: { name: 'D', rule: { path: '/d' }, priority: 20 } }, org.keys.admin);
    expect(clash.body.data.createPageDefinition).toMatchObject({
      __typename: 'ValidationError',
      code: 'DUPLICATE_PRIORITY',
      field: 'priority',
    });
    const moveOnto = await t.gql(updateMutation('Page'), { id: a.id, input: { priority: 10 } }, org.keys.admin);
    expect(moveOnto.body.data.updatePageDefinition).toMatchObject({ code: 'DUPLICATE_PRIORITY' });
    const outOfRange = await t.gql(updateMutation('Page'), { id: a.id, input: { priority: -1 } }, org.keys.admin);
    expect(outOfRange.body.data.updatePageDefinition).toMatchObject({ code: 'INVALID_PRIORITY' });

    // an archived page frees its priority, and cannot be ordered
    await archive(t, 'Page', c.id, org.keys.admin);
    const reuse = await define(t, 'Page', { name: 'E', rule: { path: '/e' }, priority: 20 }, org.keys.admin);
    const archivedInOrder = await t.gql(REORDER, { ids: [c.id, a.id, b.id, reuse.id] }, org.keys.admin);
    expect(archivedInOrder.body.data.reorderPageDefinitions).toMatchObject({ code: 'INVALID_REFERENCE' });
  });
});

describe('bad definition input', () => {
  const cases: [Kind, unknown, string, string][] = [
    ['Element', { selector: 'button[' }, 'INVALID_SELECTOR', 'rule.selector'],
    ['Element', { selector: 'li:nth-child(2)' }, 'UNSUPPORTED_SELECTOR', 'rule.selector'],
    ['Element', { selector: '' }, 'INVALID_SELECTOR', 'rule.selector'],
    ['Event', { properties: [{ path: 'plan', op: 'REGEX', value: '(a' }] }, 'INVALID_REGEX', 'rule.properties.0.value'],
    ['Event', { properties: [{ path: 'plan', op: 'REGEX', value: '(a+)+$' }] }, 'UNSAFE_REGEX', 'rule.properties.0.value'],
    ['Event', { properties: [{ path: 'revenue', op: 'GT', value: 'ten' }] }, 'INVALID_RULE', 'rule.properties.0.value'],
    ['Event', {}, 'EMPTY_RULE', 'rule'],
    ['Page', {}, 'EMPTY_RULE', 'rule'],
    ['Page', { path: 'checkout' }, 'INVALID_PATTERN', 'rule.path'],
    ['Page', { host: 'https://shop.example' }, 'INVALID_PATTERN', 'rule.host'],
    ['Page', { path: '/a**' }, 'INVALID_PATTERN', 'rule.path'],
    ['Page', { query: [{ key: 'step', op: 'EQUALS' }] }, 'INVALID_RULE', 'rule.query.0.value'],
  ];
  it.each(cases)('%s rule %j is refused with %s', async (kind, rule, code, field) => {
    const r = await t.gql(createMutation(kind), { input: { name: 'bad', rule } });
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data[`create${kind}Definition`]).toMatchObject({ __typename: 'ValidationError', code, field });
  });

  it('refuses bad names and empty updates', async () => {
    const r = await t.gql(createMutation('Event'), { input: { name: '  ', rule: { eventType: 'click' } } });
    expect(r.body.data.createEventDefinition).toMatchObject({ code: 'INVALID_NAME', field: 'name' });
    const event = await define(t, 'Event', { name: 'ok', rule: { eventType: 'click' } });
    const empty = await t.gql(updateMutation('Event'), { id: event.id, input: {} });
    expect(empty.body.data.updateEventDefinition).toMatchObject({ code: 'EMPTY_UPDATE' });
    const badRule = await t.gql(updateMutation('Event'), {
      id: event.id,
      input: { rule: { properties: [{ path: 'x', op: 'REGEX', value: '\\w+\\d+' }] } },
    });
    expect(badRule.body.data.updateEventDefinition).toMatchObject({ code: 'UNSAFE_REGEX' });
    const after = await t.gql(`query($id: ID!) { eventDefinition(id: $id) { version rule } }`, { id: event.id });
    expect(after.body.data.eventDefinition).toEqual({ version: 1, rule: { eventType: 'click' } });
  });

  it('refuses references to archived, unknown, other-kind and other-organization definitions', async () => {
    const archivedPage = await define(t, 'Page', { name: 'old page', rule: { path: uniquePath() } });
    await archive(t, 'Page', archivedPage.id);
    const theirPage = await define(t, 'Page', { name: 'their page', rule: { path: '/theirs' } }, other.keys.admin);
    const theirElement = await define(t, 'Element', { name: 'their element', rule: { selector: '#theirs' } }, other.keys.admin);
    const myEvent = await define(t, 'Event', { name: 'mine', rule: { eventType: 'click' } });
    const attempts: [Kind, unknown, string][] = [
      ['Element', { selector: 'a', pageDefinitionId: archivedPage.id }, 'rule.pageDefinitionId'],
      ['Element', { selector: 'a', pageDefinitionId: theirPage.id }, 'rule.pageDefinitionId'],
      ['Element', { selector: 'a', pageDefinitionId: 'pd_MISSING' }, 'rule.pageDefinitionId'],
      ['Event', { elementDefinitionId: theirElement.id }, 'rule.elementDefinitionId'],
      ['Event', { pageDefinitionId: theirPage.id }, 'rule.pageDefinitionId'],
      ['Event', { elementDefinitionId: myEvent.id }, 'rule.elementDefinitionId'],
    ];
    for (const [kind, rule, field] of attempts) {
      const r = await t.gql(createMutation(kind), { input: { name: 'ref', rule } });
      expect(r.body.data[`create${kind}Definition`], JSON.stringify(rule)).toMatchObject({
        __typename: 'ValidationError',
        code: 'INVALID_REFERENCE',
        field,
      });
    }
  });

  it('refuses to archive a definition active ones refer to', async () => {
    const page = await define(t, 'Page', { name: 'checkout', rule: { path: uniquePath() } });
    const element = await define(t, 'Element', { name: 'pay', rule: { selector: '#pay', pageDefinitionId: page.id } });
    const event = await define(t, 'Event', { name: 'pay click', rule: { eventType: 'click', elementDefinitionId: element.id } });
    const r = await t.gql(archiveMutation('Page'), { id: page.id });
    expect(r.body.data.archivePageDefinition).toMatchObject({ __typename: 'ValidationError', code: 'DEFINITION_IN_USE' });
    expect(r.body.data.archivePageDefinition.message).toContain(element.id);
    await archive(t, 'Event', event.id);
    await archive(t, 'Element', element.id);
    expect((await archive(t, 'Page', page.id)).state).toBe('archived');
  });

  it('answers NOT_FOUND for unknown ids, ids of another kind and ids of another organization', async () => {
    const theirs = await define(t, 'Event', { name: 'theirs', rule: { eventType: 'click' } }, other.keys.admin);
    const mine = await define(t, 'Element', { name: 'mine', rule: { selector: '.mine' } });
    for (const [kind, id] of [
      ['Event', theirs.id],
      ['Event', 'ed_UNKNOWN'],
      ['Event', mine.id],
    ] as [Kind, string][]) {
      const updated = await t.gql(updateMutation(kind), { id, input: { name: 'stolen' } });
      expect(updated.body.data[`update${kind}Definition`]).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
      const archived = await t.gql(archiveMutation(kind), { id });
      expect(archived.body.data[`archive${kind}Definition`]).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    }
    const read = await t.gql(
      `query($id: ID!) { eventDefinition(id: $id) { id } eventDefinitions(includeArchived: true) { nodes { id } } }`,
      { id: theirs.id },
    );
    expect(read.body.data.eventDefinition).toBeNull();
    expect(read.body.data.eventDefinitions.nodes.map((d: { id: string }) => d.id)).not.toContain(theirs.id);
    const stillTheirs = await t.gql(`query($id: ID!) { eventDefinition(id: $id) { name } }`, { id: theirs.id }, other.keys.analyst);
    expect(stillTheirs.body.data.eventDefinition).toEqual({ name: 'theirs' });
  });
});

describe('definition lookup tables', () => {
  it('gives every definition of the organization, active and archived, in the warehouse row shape', async () => {
    const org = await createTestOrg(t.db, 'lookup org');
    const page = await define(
      t,
      'Page',
      { name: 'Checkout', description: 'the checkout', rule: { host: 'shop.example', path: '/checkout/**' } },
      org.keys.admin,
    );
    const element = await define(t, 'Element', { name: 'Pay', rule: { selector: '#pay', pageDefinitionId: page.id } }, org.keys.admin);
    const event = await define(
      t,
      'Event',
      { name: 'Purchase', rule: { eventType: 'custom', properties: [{ path: 'event_name', op: 'EQUALS', value: 'Purchase' }] } },
      org.keys.admin,
    );
    await t.gql(updateMutation('Event'), { id: event.id, input: { name: 'Purchase completed' } }, org.keys.admin);
    const old = await define(t, 'Event', { name: 'Old', rule: { eventType: 'load' } }, org.keys.admin);
    await t.gql(archiveMutation('Event'), { id: old.id }, org.keys.admin);

    const tables = await definitionLookupTables(t.db, org.orgId);
    expect(Object.keys(tables).sort()).toEqual(['element_definitions', 'event_definitions', 'page_definitions']);
    expect(tables.page_definitions).toHaveLength(1);
    expect(tables.element_definitions).toHaveLength(1);
    expect(tables.event_definitions).toHaveLength(2);
    for (const row of [...tables.page_definitions, ...tables.element_definitions, ...tables.event_definitions]) {
      expect(Object.keys(row).sort()).toEqual([...DEFINITION_ROW_COLUMNS].sort());
      expect(row.created_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
      expect(row.modified_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
      expect(row.created_by).toMatch(/^api-key:/);
      expect(typeof row.version).toBe('number');
      expect(typeof row.rule).toBe('string');
    }
    expect(tables.page_definitions[0]).toMatchObject({
      id: page.id,
      name: 'Checkout',
      description: 'the checkout',
      state: 'active',
      version: 1,
    });
    expect(JSON.parse(tables.page_definitions[0]!.rule)).toEqual({ host: 'shop.example', path: '/checkout/**' });
    expect(JSON.parse(tables.element_definitions[0]!.rule)).toEqual({ selector: '#pay', pageDefinitionId: page.id });
    expect(tables.element_definitions[0]!.id).toBe(element.id);
    const purchase = tables.event_definitions.find((r) => r.id === event.id)!;
    expect(purchase).toMatchObject({ name: 'Purchase completed', version: 2, state: 'active', description: '' });
    expect(tables.event_definitions.find((r) => r.id === old.id)).toMatchObject({ state: 'archived', version: 2, name: 'Old' });
    // another organization's tables hold none of these
    const theirs = await definitionLookupTables(t.db, other.orgId);
    const ids = new Set([page.id, element.id, event.id, old.id]);
    expect([...theirs.page_definitions, ...theirs.element_definitions, ...theirs.event_definitions].some((r) => ids.has(r.id))).toBe(false);
  });
});
