/**
 * Entry of the script-tag build (`tributary.js`, global `tributary`):
 *
 * ```html
 * <script src="https://YOUR-TRIBUTARY/sdk/tributary.js" data-key="tc_…" async></script>
 * ```
 *
 * `data-key` starts capture at once; `data-endpoint` overrides the endpoint (default:
 * `/capture/v1/batch` on the script's own origin); `data-consent="pending"` waits for
 * `tributary.consent(true)`; `data-cookie-domain` sets the device cookie's domain. Calls queued
 * by the stub snippet (`tributary.q`) before the script loaded are replayed in order.
 */
import * as tributary from './index.js';

export * from './index.js';

try {
  // Still the stub here: the bundle assigns the global only after this module has run.
  const stub = (window as { tributary?: { q?: unknown[][] } }).tributary;
  const script = (document.currentScript ?? document.querySelector('script[data-key][src*="tributary"]')) as HTMLScriptElement | null;
  const settings = script?.dataset;
  if (settings?.key) {
    tributary.init({
      key: settings.key,
      endpoint: settings.endpoint ?? new URL('/capture/v1/batch', script!.src).href,
      consent: settings.consent === 'pending' ? 'pending' : 'granted',
      cookieDomain: settings.cookieDomain,
    });
  }
  for (const [method, ...args] of stub?.q ?? []) {
    const fn = (tributary as Record<string, unknown>)[method as string];
    if (typeof fn === 'function') fn(...args);
  }
} catch {
  // A broken install must not break the page.
}
