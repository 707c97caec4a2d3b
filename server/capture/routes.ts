import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Principal } from '../auth/api-keys.ts';
import type { CaptureDeps } from './deps.ts';

/** What a data-plane endpoint declares; each protocol's folder lists its own, router.ts serves them. */
export interface RouteBase {
  method: 'GET' | 'POST' | 'DELETE';
  /** Matched against the path; groups become `params`. */
  pattern: RegExp;
  /**
   * What logs and metrics call it: its path template (`/v2/users/{id}`), never the values in it.
   * Required when `pattern` has groups (checked at start-up); a literal pattern names itself.
   */
  endpoint?: string;
}

/** An endpoint taking the key of the request. */
export interface KeyedRoute extends RouteBase {
  /**
   * `write`: sends events; any key that writes (capture keys included), answers CORS.
   * `read`: reads back users or batch jobs; secret keys only, no CORS (no browser needs it).
   * `delete`: deletes a person's data (the GraphQL `requestDeletion` rule): admin keys only.
   */
  access: 'write' | 'read' | 'delete';
  handle(
    req: IncomingMessage,
    res: ServerResponse,
    ctx: { principal: Principal; params: string[]; url: URL },
    deps: CaptureDeps,
  ): Promise<void>;
}

/** An endpoint whose path names the (public) key it answers for, checked by its handler; answers CORS. */
export interface PublicRoute extends RouteBase {
  access: 'public';
  handle(req: IncomingMessage, res: ServerResponse, ctx: { params: string[]; url: URL }, deps: CaptureDeps): Promise<void>;
}

export type CaptureRoute = KeyedRoute | PublicRoute;
