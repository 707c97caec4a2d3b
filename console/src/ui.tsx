/** Small pieces every page uses: loading data, showing errors in place, buttons, formats. */
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api.ts';

const asApiError = (error: unknown) => (error instanceof ApiError ? error : new ApiError('CONSOLE_ERROR', String(error)));

/**
 * Loads `load()` now and whenever `deps` change; with `everyMs`, again on that interval while
 * the page is shown (the console polls: docs/console.md).
 */
export function useData<T>(load: () => Promise<T>, deps: unknown[], everyMs?: number | ((data: T | undefined) => number | undefined)) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const latest = useRef(load);
  latest.current = load;
  const reload = useCallback(async () => {
    try {
      const loaded = await latest.current();
      setData(loaded);
      setError(undefined);
      return loaded;
    } catch (caught) {
      setError(asApiError(caught));
      return undefined;
    }
  }, []);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      const loaded = await reload();
      const interval = typeof everyMs === 'function' ? everyMs(loaded) : everyMs;
      if (!stopped && interval) timer = setTimeout(() => void tick(), interval);
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, deps);
  return { data, error, reload };
}

/** An API refusal, in words and with its code, where it happened. */
export function ErrorNote({ error }: { error: ApiError | undefined }) {
  if (!error) return null;
  return (
    <p class="error" role="alert">
      {error.message} <code>{error.code}</code>
    </p>
  );
}

/**
 * A button that runs an API call: busy while it runs, and its error shown next to it. `run`
 * returns what to announce on success (or nothing).
 */
export function ActionButton(props: {
  label: string;
  run: () => Promise<string | void>;
  class?: string;
  confirm?: string;
  disabled?: boolean;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  const [done, setDone] = useState<string | undefined>();
  const click = async () => {
    if (props.confirm && !window.confirm(props.confirm)) return;
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      setDone((await props.run()) ?? undefined);
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <span class="action">
      <button type="button" class={props.class} disabled={busy || props.disabled} aria-busy={busy} onClick={() => void click()}>
        {props.label}
      </button>
      {done && <span role="status">{done}</span>}
      <ErrorNote error={error} />
    </span>
  );
}

/** A form whose submit runs an API call, with its error shown above its button. */
export function ApiForm(props: {
  label: string;
  submit: () => Promise<void>;
  children: ComponentChildren;
  class?: string;
  busyLabel?: string;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  const onSubmit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await props.submit();
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class={props.class ?? 'form'} onSubmit={(event) => void onSubmit(event)}>
      {props.children}
      <ErrorNote error={error} />
      <button type="submit" class="primary" disabled={busy} aria-busy={busy}>
        {busy ? (props.busyLabel ?? 'Working…') : props.label}
      </button>
    </form>
  );
}

/** A labelled text input (the label names it for screen readers and tests). */
export function TextField(props: {
  label: string;
  value: string;
  onInput: (value: string) => void;
  hint?: string;
  type?: string;
  required?: boolean;
  placeholder?: string;
  name?: string;
}) {
  const id = `f-${(props.name ?? props.label).replace(/\W+/g, '-')}`;
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type={(props.type ?? 'text') as 'text'}
        value={props.value}
        required={props.required}
        placeholder={props.placeholder}
        autocomplete={props.type === 'password' ? 'off' : undefined}
        aria-describedby={props.hint ? `${id}-hint` : undefined}
        onInput={(event) => props.onInput((event.target as HTMLInputElement).value)}
      />
      {props.hint && (
        <small id={`${id}-hint`} class="hint">
          {props.hint}
        </small>
      )}
    </div>
  );
}

export const formatTime = (time: string | null | undefined) =>
  time ? new Date(time).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' }) : '—';

export function formatDuration(ms: number | null | undefined): string {
  if (ms == null) return '—';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function formatLag(seconds: number | null): string {
  if (seconds == null) return 'never synced';
  if (seconds < 90) return `${seconds} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

export const formatCount = (n: number) => n.toLocaleString('en');

/** A status as a word and a colour (never the colour alone). */
export const Badge = ({ status }: { status: string }) => <span class={`badge badge-${status.toLowerCase()}`}>{status.toLowerCase()}</span>;
