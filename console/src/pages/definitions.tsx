/**
 * Definitions: pages, elements and events — list, create, edit, archive, the priority order of
 * pages (buttons move one up or down), and "Test this rule": the recent events a rule matches,
 * before saving it (docs/console.md).
 */
import { useState } from 'preact/hooks';
import { dataOf, gql, gqlRoot } from '../api.ts';
import type { Access } from '../main.tsx';
import {
  ARCHIVE_DEFINITION,
  CREATE_DEFINITION,
  DEFINITIONS,
  REORDER_PAGES,
  RULE_MATCHES,
  UPDATE_DEFINITION,
  type Definition,
  type DefinitionKind,
  type RuleMatches,
} from '../queries.ts';
import { ActionButton, ApiForm, Badge, ErrorNote, formatCount, formatTime, TextField, useData } from '../ui.tsx';

const KINDS: { kind: DefinitionKind; list: 'pageDefinitions' | 'elementDefinitions' | 'eventDefinitions'; title: string }[] = [
  { kind: 'Page', list: 'pageDefinitions', title: 'Pages' },
  { kind: 'Element', list: 'elementDefinitions', title: 'Elements' },
  { kind: 'Event', list: 'eventDefinitions', title: 'Events' },
];

/** The rule's inputs as text fields, per kind (README / docs/definitions.md describe each part). */
const RULE_FIELDS: Record<DefinitionKind, { name: string; label: string; hint: string }[]> = {
  Page: [
    { name: 'host', label: 'Host pattern', hint: 'e.g. *.shop.example (empty: any host)' },
    { name: 'path', label: 'Path pattern', hint: '* within one segment, ** for any number, e.g. /products/*/reviews/**' },
    { name: 'fragment', label: 'Fragment pattern', hint: 'the path inside #, e.g. /pay' },
  ],
  Element: [
    { name: 'selector', label: 'CSS selector', hint: 'matched against the element and its ancestors, e.g. form button.primary' },
    { name: 'pageDefinitionId', label: 'Only on page definition (id)', hint: 'optional, pd_…' },
  ],
  Event: [
    { name: 'eventType', label: 'Event type', hint: 'e.g. click, navigate, custom' },
    { name: 'pageDefinitionId', label: 'On page definition (id)', hint: 'optional, pd_…' },
    { name: 'elementDefinitionId', label: 'On element definition (id)', hint: 'optional, el_…' },
  ],
};

/** A rule as typed in a form: its text fields, and an event rule's property conditions as JSON. */
interface RuleText {
  fields: Record<string, string>;
  properties: string;
}
const NO_RULE: RuleText = { fields: {}, properties: '' };

function ruleOf(kind: DefinitionKind, { fields, properties }: RuleText): Record<string, unknown> {
  const rule: Record<string, unknown> = {};
  for (const { name } of RULE_FIELDS[kind]) if (fields[name]?.trim()) rule[name] = fields[name]!.trim();
  if (kind === 'Event' && properties.trim()) rule.properties = JSON.parse(properties);
  return rule;
}

// matches listed by "Test this rule"; the API counts them all among the newest events it tries
const SHOWN_MATCHES = 20;

function describeMatch(event: RuleMatches['events'][number]): string {
  const url = (event.sourceProperties as { url?: { full_url?: string } } | null)?.url?.full_url ?? '';
  const target = (event.eventProperties as { target?: { text?: string } } | null)?.target?.text;
  return [url, target === undefined ? '' : `“${target}”`].filter(Boolean).join(' ');
}

/** "Test this rule": which recent events the rule in the form matches, without saving it. */
function RuleTest({ kind, rule }: { kind: DefinitionKind; rule: () => Record<string, unknown> }) {
  const [result, setResult] = useState<RuleMatches | undefined>();
  const run = async () => {
    setResult(undefined);
    const matches = dataOf(await gqlRoot(RULE_MATCHES[kind], { rule: rule(), first: SHOWN_MATCHES }));
    setResult(matches);
    return `${formatCount(matches.matched)} of the newest ${formatCount(matches.scanned)} events match`;
  };
  return (
    <div class="rule-test">
      <ActionButton label="Test this rule" run={run} />
      {result && result.events.length > 0 && (
        <ol class="events" aria-label="Recent events this rule matches">
          {result.events.map((event) => (
            <li key={event.eventId}>
              <time>{formatTime(event.processedTime)}</time> <strong>{event.eventType}</strong>{' '}
              <span class="muted">{describeMatch(event)}</span>
            </li>
          ))}
        </ol>
      )}
      {result && result.matched > result.events.length && <p class="hint">The {result.events.length} newest are listed.</p>}
    </div>
  );
}

/** The inputs of a rule of one kind, and "Test this rule" under them. */
function RuleInputs({
  kind,
  prefix,
  rule,
  setRule,
}: {
  kind: DefinitionKind;
  prefix: string;
  rule: RuleText;
  setRule: (rule: RuleText) => void;
}) {
  return (
    <>
      {RULE_FIELDS[kind].map((field) => (
        <TextField
          label={field.label}
          name={`${prefix}-${field.name}`}
          hint={field.hint}
          value={rule.fields[field.name] ?? ''}
          onInput={(value) => setRule({ ...rule, fields: { ...rule.fields, [field.name]: value } })}
        />
      ))}
      {kind === 'Event' && (
        <TextField
          label="Property conditions (JSON)"
          name={`${prefix}-properties`}
          hint='e.g. [{"path": "target.text", "op": "EQUALS", "value": "Buy"}]'
          value={rule.properties}
          onInput={(properties) => setRule({ ...rule, properties })}
        />
      )}
      <RuleTest kind={kind} rule={() => ruleOf(kind, rule)} />
    </>
  );
}

/** A rule to try without saving: what a read-only key gets instead of the create form. */
function RuleTryForm({ kind }: { kind: DefinitionKind }) {
  const [rule, setRule] = useState<RuleText>(NO_RULE);
  return (
    <div class="form">
      <RuleInputs kind={kind} prefix={`try-${kind}`} rule={rule} setRule={setRule} />
    </div>
  );
}

/** Create (no `definition`) or edit one definition. */
function DefinitionForm({ kind, definition, done }: { kind: DefinitionKind; definition?: Definition; done: () => unknown }) {
  const [name, setName] = useState(definition?.name ?? '');
  const [description, setDescription] = useState(definition?.description ?? '');
  // `rule` is a JSON scalar: the rule object the lookup tables show (docs/definitions.md)
  const stored = (definition?.rule ?? {}) as Record<string, unknown>;
  const [rule, setRule] = useState<RuleText>({
    fields: Object.fromEntries(Object.entries(stored).filter(([, v]) => typeof v === 'string')) as Record<string, string>,
    properties: stored.properties ? JSON.stringify(stored.properties) : '',
  });
  const submit = async () => {
    const input = { name, description, rule: ruleOf(kind, rule) };
    dataOf(
      definition ? await gqlRoot(UPDATE_DEFINITION[kind], { id: definition.id, input }) : await gqlRoot(CREATE_DEFINITION[kind], { input }),
    );
    if (!definition) {
      setName('');
      setDescription('');
      setRule(NO_RULE);
    }
    await done();
  };
  const prefix = `${definition?.id ?? 'new'}-${kind}`;
  return (
    <ApiForm label={definition ? 'Save' : `Create ${kind.toLowerCase()} definition`} submit={submit}>
      <TextField label="Name" name={`${prefix}-name`} value={name} onInput={setName} required />
      <TextField label="Description" name={`${prefix}-description`} value={description} onInput={setDescription} />
      <RuleInputs kind={kind} prefix={prefix} rule={rule} setRule={setRule} />
    </ApiForm>
  );
}

function DefinitionRow(props: {
  kind: DefinitionKind;
  definition: Definition;
  access: Access;
  reload: () => unknown;
  move?: (by: -1 | 1) => Promise<string | void>;
  first?: boolean;
  last?: boolean;
}) {
  const { kind, definition: d, access } = props;
  const [editing, setEditing] = useState(false);
  return (
    <li class="card" data-definition={d.id}>
      <h3>
        {d.name} {d.state === 'archived' && <Badge status="archived" />}{' '}
        {kind === 'Page' && d.state === 'active' && <span class="muted">priority {d.priority}</span>}
      </h3>
      {d.description && <p>{d.description}</p>}
      <p>
        <code>{d.id}</code> · version {d.version} · changed {formatTime(d.modifiedTime)}
      </p>
      <pre class="rule">{JSON.stringify(d.rule)}</pre>
      {access.write && d.state === 'active' && (
        <div class="row">
          {props.move && <ActionButton label="Move up" disabled={props.first} run={() => props.move!(-1)} />}
          {props.move && <ActionButton label="Move down" disabled={props.last} run={() => props.move!(1)} />}
          <button type="button" aria-expanded={editing} onClick={() => setEditing(!editing)}>
            {editing ? 'Close editor' : 'Edit'}
          </button>
          <ActionButton
            label="Archive"
            confirm={`Archive ${d.name}? Events processed from now on no longer match it.`}
            run={async () => {
              dataOf(await gqlRoot(ARCHIVE_DEFINITION[kind], { id: d.id }));
              await props.reload();
            }}
          />
        </div>
      )}
      {editing && <DefinitionForm kind={kind} definition={d} done={() => (setEditing(false), props.reload())} />}
    </li>
  );
}

export function DefinitionsPage({ access }: { access: Access }) {
  const [tab, setTab] = useState<DefinitionKind>('Page');
  const [archived, setArchived] = useState(false);
  const { data, error, reload } = useData(() => gql(DEFINITIONS, { archived }), [archived]);
  const { list, title } = KINDS.find((k) => k.kind === tab)!;
  const definitions: Definition[] = data?.[list].nodes ?? [];
  const activePages: Definition[] = (data?.pageDefinitions.nodes ?? []).filter((d) => d.state === 'active');

  const move = (id: string) => async (by: -1 | 1) => {
    const ids = activePages.map((d) => d.id);
    const at = ids.indexOf(id);
    [ids[at], ids[at + by]] = [ids[at + by]!, ids[at]!];
    dataOf((await gql(REORDER_PAGES, { ids })).reorderPageDefinitions);
    await reload();
  };

  return (
    <section>
      <h1 tabIndex={-1}>Definitions</h1>
      <p class="hint">A change applies to events processed from now on; rows already processed keep what they had.</p>
      <div role="tablist" aria-label="Kind of definition" class="tabs">
        {KINDS.map((k) => (
          <button type="button" role="tab" aria-selected={tab === k.kind} onClick={() => setTab(k.kind)}>
            {k.title}
          </button>
        ))}
      </div>
      <label class="filters">
        <input type="checkbox" checked={archived} onChange={(event) => setArchived((event.target as HTMLInputElement).checked)} /> Show
        archived
      </label>
      <ErrorNote error={error} />
      <div role="tabpanel" aria-label={title}>
        {access.write ? (
          <details class="create">
            <summary>New {tab.toLowerCase()} definition</summary>
            <DefinitionForm key={tab} kind={tab} done={reload} />
          </details>
        ) : (
          <details class="create">
            <summary>Test a {tab.toLowerCase()} rule</summary>
            <RuleTryForm key={tab} kind={tab} />
          </details>
        )}
        {data && definitions.length === 0 && <p>No {title.toLowerCase()} defined.</p>}
        <ul class="cards">
          {definitions.map((d) => {
            const index = activePages.indexOf(d);
            return (
              <DefinitionRow
                key={d.id}
                kind={tab}
                definition={d}
                access={access}
                reload={reload}
                move={tab === 'Page' && index >= 0 ? move(d.id) : undefined}
                first={index === 0}
                last={index === activePages.length - 1}
              />
            );
          })}
        </ul>
      </div>
    </section>
  );
}
