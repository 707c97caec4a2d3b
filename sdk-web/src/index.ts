/**
 * ESM entry of the Tributary web SDK, for apps that bundle it:
 *
 * ```ts
 * import { init, identify, track } from '@tributary/web';
 * init({ key: 'tc_…', endpoint: 'https://tributary.example.com/capture/v1/batch' });
 * ```
 *
 * Calls made before `init` are kept (up to 100) and run once it is called.
 */
import { createTributary } from './client.js';
import type { TributaryClient, TributaryOptions } from './types.js';

export { createTributary, SDK_VERSION } from './client.js';
export { IGNORE_ATTRIBUTE, MASK_ATTRIBUTE } from './target.js';
export type * from './types.js';

let client: TributaryClient | undefined;
const beforeInit: Array<(client: TributaryClient) => void> = [];

/** Start capturing on this page (once; later calls return the same client). */
export function init(options: TributaryOptions): TributaryClient | undefined {
  try {
    if (!client) {
      client = createTributary(options);
      for (const call of beforeInit.splice(0)) call(client);
    }
  } catch (error) {
    console.warn(error instanceof Error ? error.message : error);
  }
  return client;
}

function forward<K extends keyof TributaryClient>(method: K): TributaryClient[K] {
  return ((...args: unknown[]) => {
    const call = (target: TributaryClient) => (target[method] as (...args: unknown[]) => void)(...args);
    if (client) call(client);
    else if (beforeInit.length < 100) beforeInit.push(call);
  }) as TributaryClient[K];
}

/** See {@link TributaryClient.identify}. */
export const identify = forward('identify');
/** See {@link TributaryClient.track}. */
export const track = forward('track');
/** See {@link TributaryClient.setPageProperties}. */
export const setPageProperties = forward('setPageProperties');
/** See {@link TributaryClient.consent}. */
export const consent = forward('consent');
/** See {@link TributaryClient.flush}. */
export const flush = forward('flush');
