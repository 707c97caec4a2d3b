import { isId, randomId } from './ids.js';

const DEVICE_KEY = '_tributary_device';
const SESSION_KEY = '_tributary_session';
const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;
/** A session ends after this long without any captured event. */
export const SESSION_TIMEOUT_MILLIS = 30 * 60 * 1000;

/** The session an event belongs to. */
export interface Session {
  id: string;
  /** Epoch ms of the latest event of the session. */
  lastActivity: number;
  /** `document.referrer` of the session's first page. */
  initialReferrer: string;
}

function readCookie(name: string): string | undefined {
  for (const part of document.cookie.split('; ')) {
    if (part.startsWith(name + '=')) return decodeURIComponent(part.slice(name.length + 1));
  }
  return undefined;
}

function readLocal(name: string): string | undefined {
  try {
    return localStorage.getItem(name) ?? undefined;
  } catch {
    return undefined;
  }
}

function writeLocal(name: string, value: string | undefined): boolean {
  try {
    if (value === undefined) localStorage.removeItem(name);
    else localStorage.setItem(name, value);
    return true;
  } catch {
    return false;
  }
}

/**
 * Device and session ids. The device id lives in a first-party cookie (one year, renewed on every
 * page load) with a copy in localStorage that restores it when the cookie was cleared or could
 * not be set. The session lives in localStorage (a cookie where localStorage is blocked) so every
 * tab of the site shares it; an in-memory copy keeps it stable when both are blocked.
 */
export function createIdentity(cookieDomain?: string) {
  let device: string | undefined;
  let session: Session | undefined;

  function writeCookie(name: string, value: string, maxAgeSeconds: number): void {
    document.cookie =
      `${name}=${encodeURIComponent(value)}; Max-Age=${maxAgeSeconds}; Path=/; SameSite=Lax` +
      (location.protocol === 'https:' ? '; Secure' : '') +
      (cookieDomain ? `; Domain=${cookieDomain}` : '');
  }

  function storedSession(): Session | undefined {
    try {
      const parsed = JSON.parse(readLocal(SESSION_KEY) ?? readCookie(SESSION_KEY) ?? 'null') as Session | null;
      return parsed && isId(parsed.id) && typeof parsed.lastActivity === 'number' ? parsed : undefined;
    } catch {
      return undefined;
    }
  }

  return {
    deviceId(): string {
      if (!device) {
        const stored = readCookie(DEVICE_KEY) ?? readLocal(DEVICE_KEY);
        device = isId(stored) ? stored : randomId();
        writeCookie(DEVICE_KEY, device, ONE_YEAR_SECONDS);
        writeLocal(DEVICE_KEY, device);
      }
      return device;
    },

    /** The current session, renewed (or replaced after 30 idle minutes) by an event at `now`. */
    touchSession(now: number): Session {
      const latest = storedSession() ?? session;
      session =
        latest && now - latest.lastActivity < SESSION_TIMEOUT_MILLIS
          ? { ...latest, lastActivity: Math.max(now, latest.lastActivity) }
          : { id: randomId(), lastActivity: now, initialReferrer: document.referrer };
      const value = JSON.stringify(session);
      if (!writeLocal(SESSION_KEY, value)) writeCookie(SESSION_KEY, value, SESSION_TIMEOUT_MILLIS / 1000);
      return session;
    },

    /** Delete every id this SDK stored (consent withdrawn). */
    forget(): void {
      device = session = undefined;
      writeCookie(DEVICE_KEY, '', 0);
      writeCookie(SESSION_KEY, '', 0);
      writeLocal(DEVICE_KEY, undefined);
      writeLocal(SESSION_KEY, undefined);
    },
  };
}

export type Identity = ReturnType<typeof createIdentity>;
