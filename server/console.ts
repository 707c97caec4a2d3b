import fs from 'node:fs';
import path from 'node:path';
import type { ServerResponse } from 'node:http';

/**
 * The web console's static files (console/, built by console/build.ts): a client of /graphql
 * only. Its page runs no inline script and talks to this origin alone (CSP); the page is never
 * cached, so a new build or a signed-out tab is never served from a cache.
 */
const FILES: Record<string, { file: string; type: string; cache: string }> = {
  '/console/': { file: 'console/index.html', type: 'text/html', cache: 'no-store' },
  '/console/index.html': { file: 'console/index.html', type: 'text/html', cache: 'no-store' },
  '/console/console.css': { file: 'console/console.css', type: 'text/css', cache: 'no-cache' },
  '/console/console.js': { file: 'console/dist/console.js', type: 'text/javascript', cache: 'no-cache' },
};

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

/** True for the paths the console answers: /console and everything under /console/. */
export const isConsolePath = (pathname: string) => pathname === '/console' || pathname.startsWith('/console/');

/** Answers a console path from the files under `root` (the repository). */
export function serveConsole(res: ServerResponse, pathname: string, root: string): void {
  if (pathname === '/console') {
    res.writeHead(301, { location: '/console/' }).end();
    return;
  }
  const entry = FILES[pathname];
  const notFound = (message: string) =>
    res
      .writeHead(404, { 'content-type': 'application/json', ...SECURITY_HEADERS })
      .end(JSON.stringify({ error: { code: 'NOT_FOUND', message } }));
  if (!entry) return void notFound('not a file of the console');
  fs.readFile(path.join(root, entry.file), (error, content) => {
    if (error) return void notFound('the console is not built: run npm run build:console');
    res.writeHead(200, { 'content-type': `${entry.type}; charset=utf-8`, 'cache-control': entry.cache, ...SECURITY_HEADERS }).end(content);
  });
}
