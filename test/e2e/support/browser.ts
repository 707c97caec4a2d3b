import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { requirement } from '../../support/requirements.ts';

/** Debian's `chromium` package; tests never download a browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** True when Chromium is installed; otherwise skips locally with a message, fails in CI. */
export function chromiumAvailable(): boolean {
  return requirement('Chromium', existsSync(CHROMIUM_PATH), 'apt-get install -y chromium');
}

/** Headless Chromium, quiet (no background traffic that could reach the network). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
