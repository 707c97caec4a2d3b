/**
 * Create or edit a destination. The config fields are generated from the plugin's JSON Schema
 * (`destinationPlugins.configSchema`): strings, numbers, enums and booleans; secret fields are
 * password inputs that never show a value ("set" when stored). On edit, only changed fields
 * are sent: secrets are kept unless typed again, or unless a target field changes (then the API
 * clears them and they must be given again).
 */
import { useState } from 'preact/hooks';
import { ApiError, dataOf, gql } from '../api.ts';
import type { Access } from '../main.tsx';
import { CREATE_DESTINATION, DESTINATION, PLUGINS, UPDATE_DESTINATION, type DestinationPlugin, type JsonSchema } from '../queries.ts';
import { ApiForm, ErrorNote, TextField, useData } from '../ui.tsx';

type Values = Record<string, string>;

const isSecret = (plugin: DestinationPlugin, name: string, schema: JsonSchema) =>
  plugin.secretFields.includes(name) || schema['x-secret'] === true || schema.writeOnly === true;

/** One generated input; its label and help come from the schema. */
function ConfigField(props: {
  name: string;
  schema: JsonSchema;
  required: boolean;
  secret: boolean;
  secretSet: boolean;
  value: string;
  onInput: (value: string) => void;
  error?: ApiError;
}) {
  const { name, schema, secret } = props;
  const id = `config-${name}`;
  const hint = [
    schema.description,
    schema.default !== undefined ? `Default: ${String(schema.default)}.` : '',
    secret && props.secretSet ? 'Stored: leave empty to keep it.' : '',
  ]
    .filter(Boolean)
    .join(' ');
  const label = `${name}${props.required ? ' (required)' : ''}${secret ? ' (secret)' : ''}`;
  const onInput = (event: Event) => props.onInput((event.target as HTMLInputElement).value);
  const described = `${id}-hint${props.error ? ` ${id}-error` : ''}`;
  let input;
  if (schema.enum) {
    input = (
      <select id={id} name={name} value={props.value} onChange={onInput} aria-describedby={described}>
        <option value="">{props.required ? 'choose…' : 'default'}</option>
        {schema.enum.map((option) => (
          <option value={String(option)}>{String(option)}</option>
        ))}
      </select>
    );
  } else if (schema.type === 'boolean') {
    input = (
      <select id={id} name={name} value={props.value} onChange={onInput} aria-describedby={described}>
        <option value="">default</option>
        <option value="true">yes</option>
        <option value="false">no</option>
      </select>
    );
  } else {
    input = (
      <input
        id={id}
        name={name}
        type={(secret ? 'password' : schema.type === 'integer' || schema.type === 'number' ? 'number' : 'text') as 'text'}
        min={schema.minimum}
        max={schema.maximum}
        required={props.required && !(secret && props.secretSet)}
        value={props.value}
        placeholder={secret && props.secretSet ? 'set' : schema.default !== undefined ? String(schema.default) : ''}
        autocomplete="off"
        aria-invalid={props.error ? true : undefined}
        aria-describedby={described}
        onInput={onInput}
      />
    );
  }
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {input}
      <small id={`${id}-hint`} class="hint">
        {hint}
      </small>
      {props.error && (
        <small id={`${id}-error`} class="error">
          {props.error.message} <code>{props.error.code}</code>
        </small>
      )}
    </div>
  );
}

/** The typed value of a field as the schema wants it; undefined when left empty. */
function valueOf(schema: JsonSchema, text: string): unknown {
  if (text === '') return undefined;
  if (schema.type === 'integer' || schema.type === 'number') return Number(text);
  if (schema.type === 'boolean') return text === 'true';
  return text;
}

export function DestinationForm({ access, id }: { access: Access; id?: string }) {
  const plugins = useData(() => gql(PLUGINS), []);
  const existing = useData(async () => (id ? (await gql(DESTINATION, { id })).destination : null), [id]);
  const [pluginId, setPluginId] = useState('');
  const [name, setName] = useState<string | undefined>();
  const [interval, setIntervalText] = useState<string | undefined>();
  const [values, setValues] = useState<Values>({});
  // a refusal naming a config field is shown under that field too
  const [fieldError, setFieldError] = useState<ApiError | undefined>();

  const current = existing.data ?? undefined;
  const chosen = current?.pluginId ?? pluginId;
  const plugin = plugins.data?.destinationPlugins.find((p) => p.id === chosen);
  // JSON scalars: the plugin's JSON Schema, and the stored config (secrets left out) it describes
  const configSchema = plugin?.configSchema as JsonSchema | undefined;
  const storedConfig = current?.config as Record<string, unknown> | undefined;
  const properties = Object.entries(configSchema?.properties ?? {});
  const required = new Set(configSchema?.required ?? []);
  const text = (field: string) => values[field] ?? (storedConfig && storedConfig[field] !== undefined ? String(storedConfig[field]) : '');
  const targetChanged =
    plugin && storedConfig
      ? plugin.targetFields.some((field) => values[field] !== undefined && values[field] !== String(storedConfig[field] ?? ''))
      : false;

  if (!access.write) return <p role="alert">Your key reads only: creating and editing destinations needs an admin or architect key.</p>;
  if (plugins.error || existing.error) return <ErrorNote error={plugins.error ?? existing.error} />;
  if (id && !current) return <p class="loading">Loading…</p>;

  const submit = async () => {
    setFieldError(undefined);
    try {
      await save();
    } catch (error) {
      if (error instanceof ApiError && error.field) setFieldError(error);
      throw error;
    }
  };

  const save = async () => {
    const config: Record<string, unknown> = {};
    for (const [field, schema] of properties) {
      const typed = values[field];
      if (typed === undefined) continue;
      const secret = isSecret(plugin!, field, schema);
      // an emptied field: removed on edit (null); a secret left empty keeps its value
      config[field] = typed === '' ? (current && !secret ? null : undefined) : valueOf(schema, typed);
    }
    const intervalMinutes = interval ? Number(interval) : undefined;
    if (current) {
      const input = { name: name ?? undefined, intervalMinutes, config: Object.keys(config).length ? config : undefined };
      dataOf((await gql(UPDATE_DESTINATION, { id: current.id, input })).updateDestination);
      location.hash = `#/destinations/${current.id}`;
    } else {
      const input = { name: name ?? '', pluginId, intervalMinutes, config };
      const created = dataOf((await gql(CREATE_DESTINATION, { input })).createDestination);
      location.hash = `#/destinations/${created.id}`;
    }
  };

  return (
    <section>
      <p>
        <a href={current ? `#/destinations/${current.id}` : '#/destinations'}>← Back</a>
      </p>
      <h1 tabIndex={-1}>{current ? `Edit ${current.name}` : 'New destination'}</h1>
      <ApiForm label={current ? 'Save' : 'Create destination'} submit={submit}>
        {!current && (
          <div class="field">
            <label for="plugin">Warehouse</label>
            <select
              id="plugin"
              required
              value={pluginId}
              onChange={(event) => (setPluginId((event.target as HTMLSelectElement).value), setValues({}))}
            >
              <option value="">choose…</option>
              {plugins.data?.destinationPlugins.map((p) => (
                <option value={p.id}>{p.displayName}</option>
              ))}
            </select>
            {plugin && <small class="hint">{plugin.description}</small>}
          </div>
        )}
        <TextField label="Name" name="name" value={name ?? current?.name ?? ''} onInput={setName} required />
        <TextField
          label="Sync every (minutes)"
          name="interval"
          type="number"
          value={interval ?? (current ? String(current.intervalMinutes) : '')}
          onInput={setIntervalText}
          placeholder="60"
        />
        {plugin && (
          <fieldset>
            <legend>{plugin.displayName} settings</legend>
            {properties.map(([field, schema]) => (
              <ConfigField
                name={field}
                schema={schema}
                required={required.has(field)}
                secret={isSecret(plugin, field, schema)}
                secretSet={Boolean(current?.secretFieldsSet && !current.clearedSecrets.includes(field))}
                value={text(field)}
                onInput={(value) => setValues({ ...values, [field]: value })}
                error={fieldError?.field === field ? fieldError : undefined}
              />
            ))}
            {targetChanged && plugin.secretFields.length > 0 && (
              <p class="warning" role="status">
                You changed where it connects ({plugin.targetFields.join(', ')}): type its secrets ({plugin.secretFields.join(', ')}) again,
                or they are cleared.
              </p>
            )}
          </fieldset>
        )}
      </ApiForm>
    </section>
  );
}
