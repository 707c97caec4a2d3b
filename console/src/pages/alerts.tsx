/** Alert webhooks (admins only): URLs called when a destination fails, recovers, lags or catches up. */
import { useState } from 'preact/hooks';
import { dataOf, gql } from '../api.ts';
import { ALERT_WEBHOOKS, CREATE_ALERT_WEBHOOK, DELETE_ALERT_WEBHOOK } from '../queries.ts';
import { ActionButton, ApiForm, Badge, ErrorNote, formatTime, TextField, useData } from '../ui.tsx';

export function AlertsPage() {
  const { data, error, reload } = useData(() => gql(ALERT_WEBHOOKS), [], 15_000);
  const [url, setUrl] = useState('');
  const [secret, setSecret] = useState('');
  const create = async () => {
    dataOf((await gql(CREATE_ALERT_WEBHOOK, { input: { url, secret } })).createAlertWebhook);
    setUrl('');
    setSecret('');
    await reload();
  };
  return (
    <section>
      <h1 tabIndex={-1}>Alert webhooks</h1>
      <details class="create">
        <summary>New webhook</summary>
        <ApiForm label="Add webhook" submit={create}>
          <TextField label="URL" name="hook-url" type="url" value={url} onInput={setUrl} required />
          <TextField
            label="Signing secret"
            name="hook-secret"
            type="password"
            value={secret}
            onInput={setSecret}
            required
            hint="16 to 256 characters; signs each call (HMAC-SHA256); never shown again."
          />
        </ApiForm>
      </details>
      <ErrorNote error={error} />
      <ul class="cards">
        {(data?.alertWebhooks.nodes ?? []).map((hook) => (
          <li class="card">
            <h2>{hook.url}</h2>
            <p>Added {formatTime(hook.createdTime)}</p>
            <ActionButton
              label="Delete"
              confirm={`Stop calling ${hook.url}?`}
              run={async () => {
                dataOf((await gql(DELETE_ALERT_WEBHOOK, { id: hook.id })).deleteAlertWebhook);
                await reload();
              }}
            />
            <h3>Last deliveries</h3>
            {hook.deliveries.nodes.length === 0 ? (
              <p>None yet.</p>
            ) : (
              <ul>
                {hook.deliveries.nodes.map((d) => (
                  <li>
                    {formatTime(d.createdTime)} {d.event} <Badge status={d.status} /> {d.attempts} attempt(s)
                    {d.lastStatusCode != null && `, HTTP ${d.lastStatusCode}`}
                    {d.lastError && <span class="error"> {d.lastError}</span>}
                  </li>
                ))}
              </ul>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
