/**
 * Events: the most recently processed rows, newest first, with filters; "Live" polls every 3 s.
 * Each row opens to its JSON.
 */
import { useState } from 'preact/hooks';
import { gql } from '../api.ts';
import { EVENTS, type EventRow } from '../queries.ts';
import { ErrorNote, formatTime, useData } from '../ui.tsx';

const PAGE = 50;

function pathOf(row: EventRow): string {
  const url = (row.sourceProperties as { url?: { path?: string } } | null)?.url;
  return url?.path ?? '';
}

export function EventsPage() {
  const [filter, setFilter] = useState({ eventType: '', deviceId: '', sessionId: '' });
  const [applied, setApplied] = useState(filter);
  const [live, setLive] = useState(true);
  const [older, setOlder] = useState<EventRow[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const variables = () => ({
    first: PAGE,
    filter: Object.fromEntries(Object.entries(applied).filter(([, value]) => value.trim() !== '')),
  });
  const { data, error } = useData(
    async () => {
      const answer = await gql(EVENTS, variables());
      setCursor((previous) => previous ?? answer.events.pageInfo.endCursor);
      return answer;
    },
    [JSON.stringify(applied), live],
    live ? 3_000 : undefined,
  );
  const [olderError, setOlderError] = useState<Error | undefined>();
  const loadOlder = async () => {
    try {
      const answer = await gql(EVENTS, { ...variables(), after: cursor });
      setOlder([...older, ...answer.events.nodes]);
      setCursor(answer.events.pageInfo.hasNextPage ? answer.events.pageInfo.endCursor : null);
    } catch (caught) {
      setOlderError(caught as Error);
    }
  };
  const rows = [...(data?.events.nodes ?? []), ...older];
  const field = (name: keyof typeof filter, label: string) => (
    <label>
      {label}{' '}
      <input
        name={name}
        value={filter[name]}
        onInput={(event) => setFilter({ ...filter, [name]: (event.target as HTMLInputElement).value })}
      />
    </label>
  );
  return (
    <section>
      <h1 tabIndex={-1}>Events</h1>
      <form
        class="filters"
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          setOlder([]);
          setCursor(null);
          setApplied(filter);
        }}
      >
        {field('eventType', 'Type')}
        {field('deviceId', 'Device')}
        {field('sessionId', 'Session')}
        <button type="submit">Filter</button>
        <label>
          <input type="checkbox" checked={live} onChange={(event) => setLive((event.target as HTMLInputElement).checked)} /> Live (every 3
          s)
        </label>
      </form>
      <ErrorNote error={error as never} />
      {data && rows.length === 0 && <p>No events{Object.values(applied).some(Boolean) ? ' match' : ' yet'}.</p>}
      <ol class="events" aria-label="Events, newest first">
        {rows.map((row) => (
          <li key={row.eventId}>
            <details>
              <summary>
                <time>{formatTime(row.processedTime)}</time> <strong>{row.eventType ?? 'tombstone'}</strong>{' '}
                <span class="muted">{pathOf(row)}</span>{' '}
                <span class="muted">
                  device {row.deviceId}
                  {row.sessionId && ` · session ${row.sessionId}`}
                </span>
              </summary>
              <pre>{JSON.stringify(row, null, 2)}</pre>
            </details>
          </li>
        ))}
      </ol>
      {cursor && data?.events.pageInfo.hasNextPage && (
        <button type="button" onClick={() => void loadOlder()}>
          Older events
        </button>
      )}
      <ErrorNote error={olderError as never} />
    </section>
  );
}
