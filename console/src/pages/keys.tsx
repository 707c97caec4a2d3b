/** API keys (admins only): create with a role and origins, copy the key once, revoke. */
import { useState } from 'preact/hooks';
import { dataOf, gql } from '../api.ts';
import { API_KEYS, CREATE_API_KEY, REVOKE_API_KEY, type Role } from '../queries.ts';
import { ActionButton, ApiForm, ErrorNote, formatTime, TextField, useData } from '../ui.tsx';

const ROLES: { role: Role; means: string }[] = [
  { role: 'capture', means: 'sends events only (public in web pages)' },
  { role: 'analyst', means: 'reads everything' },
  { role: 'architect', means: 'configures destinations and definitions' },
  { role: 'admin', means: 'everything, keys included' },
];

export function KeysPage({ ownKeyId }: { ownKeyId: string }) {
  const { data, error, reload } = useData(() => gql(API_KEYS), []);
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('capture');
  const [origins, setOrigins] = useState('');
  const [created, setCreated] = useState<{ name: string; key: string } | undefined>();
  const [copied, setCopied] = useState(false);

  const create = async () => {
    const allowedOrigins = origins.split(/[\s,]+/).filter(Boolean);
    const input = { name, role, allowedOrigins: allowedOrigins.length ? allowedOrigins : undefined };
    const answer = dataOf((await gql(CREATE_API_KEY, { input })).createApiKey);
    setCreated({ name, key: answer.key });
    setCopied(false);
    setName('');
    setOrigins('');
    await reload();
  };

  return (
    <section>
      <h1 tabIndex={-1}>Keys</h1>
      {created && (
        <div class="notice" role="status">
          <p>
            The key <strong>{created.name}</strong>: copy it now, it is not shown again.
          </p>
          <p>
            <code class="secret" data-key>
              {created.key}
            </code>{' '}
            <button type="button" onClick={() => void navigator.clipboard.writeText(created.key).then(() => setCopied(true))}>
              {copied ? 'Copied' : 'Copy'}
            </button>{' '}
            <button type="button" onClick={() => setCreated(undefined)}>
              Done
            </button>
          </p>
        </div>
      )}
      <details class="create">
        <summary>New key</summary>
        <ApiForm label="Create key" submit={create}>
          <TextField label="Name" name="key-name" value={name} onInput={setName} required />
          <div class="field">
            <label for="key-role">Role</label>
            <select id="key-role" value={role} onChange={(event) => setRole((event.target as HTMLSelectElement).value as Role)}>
              {ROLES.map((r) => (
                <option value={r.role}>
                  {r.role}: {r.means}
                </option>
              ))}
            </select>
          </div>
          {role === 'capture' && (
            <TextField
              label="Allowed origins"
              name="key-origins"
              value={origins}
              onInput={setOrigins}
              hint="Browser origins that may send with it, e.g. https://shop.example (empty: any)."
            />
          )}
          <p class="hint">
            Every key gets the server-wide capture rate limit (TRIBUTARY_CAPTURE_RATE_LIMIT); the API has no per-key setting.
          </p>
        </ApiForm>
      </details>
      <ErrorNote error={error} />
      <div class="scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Starts with</th>
              <th scope="col">Origins</th>
              <th scope="col">Created</th>
              <th scope="col">Revoked</th>
              <th scope="col"></th>
            </tr>
          </thead>
          <tbody>
            {(data?.apiKeys.nodes ?? []).map((k) => (
              <tr key={k.id} data-key-id={k.id}>
                <td>
                  {k.name}
                  {k.id === ownKeyId && <span class="muted"> (this key: you are signed in with it)</span>}
                </td>
                <td>{k.role}</td>
                <td>
                  <code>{k.prefix}…</code>
                </td>
                <td>{k.allowedOrigins.join(', ') || (k.role === 'capture' ? 'any' : '')}</td>
                <td>{formatTime(k.createdTime)}</td>
                <td>{formatTime(k.revokedTime)}</td>
                <td>
                  {!k.revokedTime && (
                    <ActionButton
                      label="Revoke"
                      confirm={`Revoke ${k.name}? Anything using it stops working at once${k.id === ownKeyId ? ', this console included' : ''}.`}
                      run={async () => {
                        dataOf((await gql(REVOKE_API_KEY, { id: k.id })).revokeApiKey);
                        await reload();
                      }}
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
