/** Destinations: every warehouse of the organization, its health, and the everyday actions. */
import { useState } from 'preact/hooks';
import { dataOf, gql, gqlRoot } from '../api.ts';
import type { Access } from '../main.tsx';
import {
  DESTINATIONS,
  DISABLE_DESTINATION,
  ENABLE_DESTINATION,
  SYNC_NOW,
  type DestinationStatus,
  type DestinationSummary,
} from '../queries.ts';
import { ActionButton, Badge, ErrorNote, formatLag, formatTime, useData } from '../ui.tsx';
import { TestConnection } from './destination.tsx';

/** A failing destination's last error, shared by the list and a destination's page. */
export function LastError({ destination: d }: { destination: Pick<DestinationSummary, 'lastError' | 'consecutiveFailures'> }) {
  return d.lastError ? (
    <p class="error">
      Last error ({d.consecutiveFailures} in a row): {d.lastError}
    </p>
  ) : null;
}

/** Enable / disable / sync now, shared by the list and a destination's page. */
export function DestinationActions({ destination, reload }: { destination: DestinationSummary; reload: () => unknown }) {
  const id = destination.id;
  const mutate = async (document: typeof SYNC_NOW | typeof DISABLE_DESTINATION | typeof ENABLE_DESTINATION, done: string) => {
    dataOf(await gqlRoot(document, { id }));
    await reload();
    return done;
  };
  return (
    <span class="actions">
      <ActionButton label="Sync now" run={() => mutate(SYNC_NOW, 'Sync queued')} disabled={!destination.enabled} />
      {destination.enabled ? (
        <ActionButton
          label="Disable"
          run={() => mutate(DISABLE_DESTINATION, 'Disabled')}
          confirm={`Disable ${destination.name}? Events captured while it is disabled are not sent to it.`}
        />
      ) : (
        <ActionButton label="Enable" run={() => mutate(ENABLE_DESTINATION, 'Enabled')} />
      )}
    </span>
  );
}

export function DestinationsPage({ access }: { access: Access }) {
  const { data, error, reload } = useData(() => gql(DESTINATIONS), [], 15_000);
  const [status, setStatus] = useState<'' | DestinationStatus>('');
  const [search, setSearch] = useState('');
  const shown = (data?.destinations.nodes ?? []).filter(
    (d) => (!status || d.status === status) && d.name.toLowerCase().includes(search.toLowerCase()),
  );
  return (
    <section>
      <h1 tabIndex={-1}>Destinations</h1>
      {access.write && (
        <p>
          <a class="button primary" href="#/destinations/new">
            New destination
          </a>
        </p>
      )}
      <div class="filters" role="search">
        <label>
          Status{' '}
          <select value={status} onChange={(event) => setStatus((event.target as HTMLSelectElement).value as DestinationStatus)}>
            <option value="">all</option>
            <option value="HEALTHY">healthy</option>
            <option value="FAILING">failing</option>
            <option value="DISABLED">disabled</option>
          </select>
        </label>
        <label>
          Name <input type="search" value={search} onInput={(event) => setSearch((event.target as HTMLInputElement).value)} />
        </label>
      </div>
      <ErrorNote error={error} />
      {data && shown.length === 0 && <p>No destination{status || search ? ' matches' : ' yet'}.</p>}
      <ul class="cards" aria-label="Destinations">
        {shown.map((d) => (
          <li class="card" key={d.id}>
            <h2>
              <a href={`#/destinations/${d.id}`}>{d.name}</a> <Badge status={d.status} />
            </h2>
            <dl class="facts">
              <dt>Plugin</dt>
              <dd>{d.pluginId}</dd>
              <dt>Lag</dt>
              <dd>{formatLag(d.lagSeconds)}</dd>
              <dt>Last success</dt>
              <dd>{formatTime(d.lastSuccessTime)}</dd>
              <dt>Next run</dt>
              <dd>{d.enabled ? formatTime(d.nextRunTime) : '—'}</dd>
            </dl>
            <LastError destination={d} />
            {access.write && (
              <div class="row">
                <DestinationActions destination={d} reload={reload} />
                <TestConnection id={d.id} />
              </div>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
