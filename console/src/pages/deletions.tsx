/** Deletion requests (admins only): ask to delete a person's data, and see where each stands. */
import { useState } from 'preact/hooks';
import { dataOf, gql } from '../api.ts';
import { DELETION_REQUESTS, REQUEST_DELETION } from '../queries.ts';
import { ApiForm, Badge, ErrorNote, formatTime, TextField, useData } from '../ui.tsx';

export function DeletionsPage() {
  const { data, error, reload } = useData(() => gql(DELETION_REQUESTS), [], 15_000);
  const [subject, setSubject] = useState({ userId: '', deviceId: '' });
  const [suppress, setSuppress] = useState(false);
  const request = async () => {
    const input = { userId: subject.userId || undefined, deviceId: subject.deviceId || undefined, suppress };
    dataOf((await gql(REQUEST_DELETION, { input })).requestDeletion);
    setSubject({ userId: '', deviceId: '' });
    await reload();
  };
  return (
    <section>
      <h1 tabIndex={-1}>Deletion requests</h1>
      <details class="create">
        <summary>New deletion request</summary>
        <ApiForm label="Delete this person's data" submit={request}>
          <TextField
            label="User id"
            name="deletion-user"
            value={subject.userId}
            onInput={(userId) => setSubject({ ...subject, userId })}
            hint="Every device identified as them."
          />
          <TextField
            label="or device id"
            name="deletion-device"
            value={subject.deviceId}
            onInput={(deviceId) => setSubject({ ...subject, deviceId })}
          />
          <label>
            <input type="checkbox" checked={suppress} onChange={(event) => setSuppress((event.target as HTMLInputElement).checked)} /> Also
            drop their later events at capture
          </label>
        </ApiForm>
      </details>
      <ErrorNote error={error} />
      <ul class="cards">
        {(data?.deletionRequests.nodes ?? []).map((r) => (
          <li class="card">
            <h2>
              {r.subjectKind} {r.subject}
            </h2>
            <p>
              Asked {formatTime(r.requestedTime)} by <code>{r.requestedBy}</code>; {r.storeRowsDeleted} rows deleted from the store
              {r.suppress ? '; later events dropped' : ''}.
            </p>
            <ul>
              {r.destinations.map((d) => (
                <li>
                  <a href={`#/destinations/${d.destinationId}`}>destination</a> <Badge status={d.status} />{' '}
                  {d.rowsDeleted != null && `${d.rowsDeleted} rows`}
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ul>
    </section>
  );
}
