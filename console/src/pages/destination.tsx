/** One destination: its settings, test connection, actions, backfills, and its runs (runs.tsx). */
import { useState } from 'preact/hooks';
import { dataOf, gql } from '../api.ts';
import type { Access } from '../main.tsx';
import { BACKFILL, BACKFILLS, CANCEL_BACKFILL, DESTINATION, TEST_CONNECTION, type CheckStep } from '../queries.ts';
import { ActionButton, ApiForm, Badge, ErrorNote, formatCount, formatLag, formatTime, useData } from '../ui.tsx';
import { DestinationActions, LastError } from './destinations.tsx';
import { Runs } from './runs.tsx';

/** "Test connection": the plugin's check steps, one by one, as the API reports them. */
export function TestConnection({ id }: { id: string }) {
  const [steps, setSteps] = useState<CheckStep[] | undefined>();
  const run = async () => {
    setSteps(undefined);
    const result = dataOf((await gql(TEST_CONNECTION, { id })).testDestinationConnection);
    setSteps(result);
    const failed = result.find((step) => !step.ok && !step.skipped);
    return failed ? `Failed at ${failed.step}` : 'Connection works';
  };
  return (
    <div class="test-connection">
      <ActionButton label="Test connection" run={run} />
      {steps && (
        <ol class="steps" aria-label="Check steps">
          {steps.map((step) => (
            <li class={step.skipped ? 'skipped' : step.ok ? 'ok' : 'failed'}>
              <span class="mark" aria-hidden="true">
                {step.skipped ? '–' : step.ok ? '✓' : '✗'}
              </span>{' '}
              <strong>{step.step}</strong> {step.skipped ? 'skipped' : step.ok ? 'ok' : 'failed'} ({step.durationMs} ms)
              {step.message && `: ${step.message}`}
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

function Backfills({ id, access }: { id: string; access: Access }) {
  const { data, error, reload } = useData(
    () => gql(BACKFILLS, { id }),
    [id],
    (loaded) => (loaded?.destination?.backfills.nodes.some((b) => b.status === 'queued' || b.status === 'running') ? 3_000 : undefined),
  );
  const [from, setFrom] = useState('');
  const backfills = data?.destination?.backfills.nodes ?? [];
  return (
    <section aria-labelledby="backfills">
      <h2 id="backfills">Backfills</h2>
      <ErrorNote error={error} />
      {backfills.length === 0 ? (
        <p>None.</p>
      ) : (
        <div class="scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col">Captured from</th>
                <th scope="col">Until</th>
                <th scope="col">Sent until</th>
                <th scope="col">Rows</th>
                <th scope="col"></th>
              </tr>
            </thead>
            <tbody>
              {backfills.map((b) => (
                <tr>
                  <td>
                    <Badge status={b.status} /> {b.error && <span class="error">{b.error}</span>}
                  </td>
                  <td>{formatTime(b.from)}</td>
                  <td>{formatTime(b.to)}</td>
                  <td>{formatTime(b.sentUntil)}</td>
                  <td>
                    {formatCount(b.rowsSent)}
                    {b.rowsToSend != null && ` of ${formatCount(b.rowsToSend)}`}
                  </td>
                  <td>
                    {access.write && (b.status === 'queued' || b.status === 'running') && (
                      <ActionButton
                        label="Cancel"
                        run={async () => {
                          dataOf((await gql(CANCEL_BACKFILL, { id: b.id })).cancelBackfill);
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
      )}
      {access.write && (
        <ApiForm
          label="Start backfill"
          class="form inline"
          submit={async () => {
            dataOf((await gql(BACKFILL, { id, from: new Date(from).toISOString() })).backfillDestination);
            await reload();
          }}
        >
          <div class="field">
            <label for="backfill-from">Send events captured since</label>
            <input
              id="backfill-from"
              type="datetime-local"
              required
              value={from}
              onInput={(event) => setFrom((event.target as HTMLInputElement).value)}
            />
          </div>
        </ApiForm>
      )}
    </section>
  );
}

export function DestinationPage({ access, id }: { access: Access; id: string }) {
  const { data, error, reload } = useData(() => gql(DESTINATION, { id }), [id], 10_000);
  // an action (sync now, enable …) reloads the runs at once, not at their next poll
  const [actions, setActions] = useState(0);
  const afterAction = async () => {
    setActions((n) => n + 1);
    await reload();
  };
  const d = data?.destination;
  if (error) return <ErrorNote error={error} />;
  if (data && !d) return <p role="alert">This destination does not exist (any more).</p>;
  if (!d) return <p class="loading">Loading…</p>;
  return (
    <section>
      <p>
        <a href="#/destinations">← Destinations</a>
      </p>
      <h1 tabIndex={-1}>
        {d.name} <Badge status={d.status} />
      </h1>
      <dl class="facts">
        <dt>Plugin</dt>
        <dd>{d.pluginId}</dd>
        <dt>Every</dt>
        <dd>{d.intervalMinutes} min</dd>
        <dt>Lag</dt>
        <dd>{formatLag(d.lagSeconds)}</dd>
        <dt>Last success</dt>
        <dd>{formatTime(d.lastSuccessTime)}</dd>
        <dt>Active since</dt>
        <dd>{formatTime(d.activeSince)}</dd>
        <dt>Event types</dt>
        <dd>
          {d.eventTypesInclude ? `only ${d.eventTypesInclude.join(', ')}` : 'all'}
          {d.eventTypesExclude ? `, except ${d.eventTypesExclude.join(', ')}` : ''}
        </dd>
        <dt>Secrets</dt>
        <dd>
          {d.clearedSecrets.length ? `cleared: ${d.clearedSecrets.join(', ')} (give them again)` : d.secretFieldsSet ? 'set' : 'none'}
        </dd>
        <dt>Pending deletions</dt>
        <dd>{d.pendingDeletions}</dd>
      </dl>
      <details>
        <summary>Config (without secrets)</summary>
        <pre>{JSON.stringify(d.config, null, 2)}</pre>
      </details>
      <LastError destination={d} />
      {access.write && (
        <div class="row">
          <DestinationActions destination={d} reload={afterAction} />
          <a class="button" href={`#/destinations/${d.id}/edit`}>
            Edit
          </a>
          <TestConnection id={d.id} />
        </div>
      )}
      <Runs id={d.id} refresh={actions} onSettled={reload} />
      <Backfills id={d.id} access={access} />
    </section>
  );
}
