/**
 * A destination's runs: a table and a chart of rows and duration per run. The list polls every
 * 2 s while a run is queued or running, every 15 s otherwise (docs/console.md).
 */
import { useRef } from 'preact/hooks';
import { gql } from '../api.ts';
import { RUNS, type SyncRun } from '../queries.ts';
import { Badge, ErrorNote, formatBytes, formatCount, formatDuration, formatTime, useData } from '../ui.tsx';

const CHART_DAYS = 7;

/** Bars of rows (top) and duration (bottom) for the runs of the last days, oldest left. */
function RunsChart({ runs }: { runs: SyncRun[] }) {
  const since = Date.now() - CHART_DAYS * 86_400_000;
  const shown = runs.filter((run) => run.finishedTime && Date.parse(run.queuedTime) >= since).reverse();
  if (shown.length === 0) return null;
  const width = 600;
  const bar = Math.max(2, Math.min(24, width / shown.length - 2));
  const maxRows = Math.max(1, ...shown.map((r) => r.rows));
  const maxMs = Math.max(1, ...shown.map((r) => r.durationMs ?? 0));
  const label = `Rows and duration of the last ${shown.length} finished runs (${CHART_DAYS} days): at most ${formatCount(maxRows)} rows and ${formatDuration(maxMs)}.`;
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${width} 170`} role="img" aria-label={label}>
        <text x="0" y="10" class="axis">
          rows (max {formatCount(maxRows)})
        </text>
        <text x="0" y="100" class="axis">
          duration (max {formatDuration(maxMs)})
        </text>
        {shown.map((run, i) => {
          const x = i * (bar + 2);
          const rowsHeight = (run.rows / maxRows) * 70;
          const msHeight = ((run.durationMs ?? 0) / maxMs) * 60;
          return (
            <g class={run.status}>
              <title>{`${formatTime(run.queuedTime)}: ${run.status}, ${formatCount(run.rows)} rows, ${formatDuration(run.durationMs)}`}</title>
              <rect class="rows" x={x} y={85 - rowsHeight} width={bar} height={rowsHeight} />
              <rect class="duration" x={x} y={170 - msHeight} width={bar} height={msHeight} />
            </g>
          );
        })}
      </svg>
      <figcaption>{label}</figcaption>
    </figure>
  );
}

/** `onSettled` runs when a run finishes, so the destination's own facts (lag, status) follow. */
export function Runs({ id, refresh, onSettled }: { id: string; refresh: number; onSettled: () => unknown }) {
  const settled = useRef<string | undefined>(undefined);
  const { data, error } = useData(
    async () => {
      const answer = await gql(RUNS, { id, first: 100 });
      const finished = answer.destination?.runs.nodes.find((run) => run.finishedTime)?.id;
      if (settled.current !== undefined && finished !== settled.current) void onSettled();
      settled.current = finished ?? '';
      return answer;
    },
    [id, refresh],
    (loaded) => (loaded?.destination?.runs.nodes.some((run) => run.status === 'queued' || run.status === 'running') ? 2_000 : 15_000),
  );
  const runs = data?.destination?.runs.nodes ?? [];
  return (
    <section aria-labelledby="runs">
      <h2 id="runs">Runs</h2>
      <ErrorNote error={error} />
      <RunsChart runs={runs} />
      {data && runs.length === 0 && <p>No run yet: it syncs every interval, or now with “Sync now”.</p>}
      {runs.length > 0 && (
        <div class="scroll">
          <table class="runs">
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col">Queued</th>
                <th scope="col">Trigger</th>
                <th scope="col">Rows</th>
                <th scope="col">Bytes</th>
                <th scope="col">Statements</th>
                <th scope="col">Duration</th>
                <th scope="col">Attempts</th>
                <th scope="col">
                  <abbr title="the Postgres snapshots the run read between: from → to">Window</abbr>
                </th>
                <th scope="col">Error</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((run) => (
                <tr key={run.id} data-run={run.id}>
                  <td>
                    <Badge status={run.status} />
                  </td>
                  <td>{formatTime(run.queuedTime)}</td>
                  <td>{run.trigger}</td>
                  <td class="rows">{formatCount(run.rows)}</td>
                  <td>{formatBytes(run.bytes)}</td>
                  <td>{run.statements}</td>
                  <td>{formatDuration(run.durationMs)}</td>
                  <td>{run.attempts}</td>
                  <td>
                    <code>{run.windowFrom ?? '∅'}</code> → <code>{run.windowTo ?? '…'}</code>
                  </td>
                  <td class="error">{run.error ? `${run.error}${run.errorKind ? ` (${run.errorKind})` : ''}` : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
