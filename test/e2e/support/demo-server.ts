import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { browserBundlePath, demoDir } from '../../../sdk-web/build.ts';
import type { CaptureRecorder } from './capture-recorder.ts';

/** What the server replaces in the demo's index.html with the capture key. */
export const DEMO_KEY_PLACEHOLDER = '__TRIBUTARY_DEMO_KEY__';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

export interface DemoServerOptions {
  /** Capture key written into the demo page's snippet. */
  key: string;
  /** Records `/capture/v1/batch`; without one the server serves pages only. */
  recorder?: CaptureRecorder;
  /** Extra HTML pages by path (e.g. a page loading the SDK from another origin). */
  pages?: Record<string, string>;
}

export interface DemoServer {
  /** e.g. `http://127.0.0.1:41234` */
  origin: string;
  close(): Promise<void>;
}

function send(response: ServerResponse, status: number, contentType: string, body: string | Buffer): void {
  response.writeHead(status, { 'Content-Type': contentType, 'Cache-Control': 'no-store' }).end(body);
}

/** The file under /demo/ a path names, or undefined (then the SPA's index.html answers). */
function demoFile(pathname: string): string | undefined {
  const relative = normalize(decodeURIComponent(pathname.slice('/demo/'.length)));
  if (!relative || relative.startsWith('..')) return undefined;
  const file = join(demoDir, relative);
  return existsSync(file) && statSync(file).isFile() ? file : undefined;
}

/**
 * Serves the demo shop the way the Tributary server does in development: `/demo/*` (files, else
 * index.html with the key filled in, for history-API routes) and `/sdk/tributary.js` (the built
 * bundle), plus the recorder at `/capture/v1/batch`. Listens on 127.0.0.1, a random port.
 */
export async function startDemoServer(options: DemoServerOptions): Promise<DemoServer> {
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    if (options.recorder && (await options.recorder.handle(request, response))) return;
    const { pathname } = new URL(request.url ?? '/', 'http://demo');
    const page = options.pages?.[pathname];
    if (page !== undefined) return send(response, 200, CONTENT_TYPES['.html']!, page);
    if (pathname === '/sdk/tributary.js') return send(response, 200, CONTENT_TYPES['.js']!, readFileSync(browserBundlePath));
    if (pathname === '/' || pathname === '/demo') {
      response.writeHead(302, { Location: '/demo/' }).end();
      return;
    }
    if (pathname.startsWith('/demo/')) {
      const file = demoFile(pathname);
      if (file && !file.endsWith('index.html'))
        return send(response, 200, CONTENT_TYPES[extname(file)] ?? 'application/octet-stream', readFileSync(file));
      const html = readFileSync(join(demoDir, 'index.html'), 'utf8').replaceAll(DEMO_KEY_PLACEHOLDER, options.key);
      return send(response, 200, CONTENT_TYPES['.html']!, html);
    }
    send(response, 404, 'text/plain', 'not found');
  };
  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) send(response, 500, 'text/plain', String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
