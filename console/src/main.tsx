/**
 * The console: sign-in, the frame (header, navigation) and the routes. Each page is one file in
 * pages/; routes are URL fragments (#/destinations/…) so the server serves one page.
 */
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, gql, session, whenSignedOut } from './api.ts';
import { ME, type Me } from './queries.ts';
import { ErrorNote, TextField } from './ui.tsx';
import { AlertsPage } from './pages/alerts.tsx';
import { DefinitionsPage } from './pages/definitions.tsx';
import { DeletionsPage } from './pages/deletions.tsx';
import { DestinationForm } from './pages/destination-form.tsx';
import { DestinationPage } from './pages/destination.tsx';
import { DestinationsPage } from './pages/destinations.tsx';
import { EventsPage } from './pages/events.tsx';
import { KeysPage } from './pages/keys.tsx';

/** What the signed-in key may do (the roles table of server/auth/roles.ts): the UI hides what the API would refuse. */
export interface Access {
  me: Me;
  /** admin or architect: configure destinations and definitions */
  write: boolean;
  /** admin: keys, deletion requests, alert webhooks */
  admin: boolean;
}

const accessOf = (me: Me): Access => ({ me, write: me.role === 'admin' || me.role === 'architect', admin: me.role === 'admin' });

async function signIn(key: string): Promise<Me> {
  session.signIn(key);
  try {
    const { me } = await gql(ME);
    return me;
  } catch (error) {
    session.signOut();
    if (error instanceof ApiError && error.code === 'FORBIDDEN')
      throw new ApiError('FORBIDDEN', 'capture keys only send events: sign in with an admin, architect or analyst key');
    throw error;
  }
}

function SignIn({ onSignedIn, reason }: { onSignedIn: (me: Me) => void; reason?: ApiError }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<ApiError | undefined>(reason);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    try {
      onSignedIn(await signIn(key.trim()));
    } catch (caught) {
      setError(caught instanceof ApiError ? caught : new ApiError('CONSOLE_ERROR', String(caught)));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="sign-in">
      <h1>Tributary console</h1>
      <form class="form" onSubmit={(event) => void submit(event)}>
        <TextField
          label="API key"
          name="key"
          type="password"
          value={key}
          onInput={setKey}
          required
          hint="Kept in this tab's session storage until you sign out or close the tab."
        />
        <ErrorNote error={error} />
        <button type="submit" class="primary" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}

const NAV = [
  { path: 'destinations', label: 'Destinations', admin: false },
  { path: 'definitions', label: 'Definitions', admin: false },
  { path: 'events', label: 'Events', admin: false },
  { path: 'keys', label: 'Keys', admin: true },
  { path: 'deletions', label: 'Deletions', admin: true },
  { path: 'alerts', label: 'Alerts', admin: true },
] as const;

function Route({ parts, access }: { parts: string[]; access: Access }) {
  const [section, id, sub] = parts;
  if (section === 'destinations' && id === 'new') return <DestinationForm access={access} />;
  if (section === 'destinations' && id && sub === 'edit') return <DestinationForm access={access} id={id} />;
  if (section === 'destinations' && id) return <DestinationPage access={access} id={id} />;
  if (section === 'definitions') return <DefinitionsPage access={access} />;
  if (section === 'events') return <EventsPage />;
  if (section === 'keys' && access.admin) return <KeysPage ownKeyId={access.me.apiKeyId} />;
  if (section === 'deletions' && access.admin) return <DeletionsPage />;
  if (section === 'alerts' && access.admin) return <AlertsPage />;
  return <DestinationsPage access={access} />;
}

const routeParts = () => location.hash.replace(/^#\/?/, '').split('/').filter(Boolean);

function Console() {
  const [me, setMe] = useState<Me | undefined>();
  const [checking, setChecking] = useState(session.key() !== null);
  const [signedOut, setSignedOut] = useState<ApiError | undefined>();
  const [parts, setParts] = useState(routeParts);
  const main = useRef<HTMLElement>(null);

  useEffect(() => {
    whenSignedOut((error) => {
      session.signOut();
      setMe(undefined);
      setSignedOut(error);
    });
    const key = session.key();
    if (key) {
      signIn(key)
        .then(setMe, (error: ApiError) => setSignedOut(error))
        .finally(() => setChecking(false));
    }
    const onHash = () => setParts(routeParts());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);

  // a new page: move focus to its heading, as a page load would for a screen reader
  useEffect(() => {
    main.current?.querySelector<HTMLElement>('h1')?.focus();
  }, [parts.join('/'), me?.apiKeyId]);

  if (checking) return <p class="loading">Signing in…</p>;
  if (!me) return <SignIn onSignedIn={setMe} reason={signedOut} />;
  const access = accessOf(me);
  const section = parts[0] ?? 'destinations';
  return (
    <>
      <a class="skip" href="#main" onClick={(event) => (event.preventDefault(), main.current?.querySelector<HTMLElement>('h1')?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Tributary</span>
        <nav aria-label="Sections">
          {NAV.filter((item) => !item.admin || access.admin).map((item) => (
            <a href={`#/${item.path}`} aria-current={section === item.path ? 'page' : undefined}>
              {item.label}
            </a>
          ))}
        </nav>
        <span class="who">
          {me.organization.name} · <span class="role">{me.role}</span>
          {!access.write && <span class="read-only"> (read-only)</span>}
        </span>
        <button
          type="button"
          onClick={() => {
            session.signOut();
            setSignedOut(undefined);
            setMe(undefined);
          }}
        >
          Sign out
        </button>
      </header>
      <main id="main" ref={main}>
        <Route parts={parts} access={access} />
      </main>
    </>
  );
}

render(<Console />, document.getElementById('console')!);
