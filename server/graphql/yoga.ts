import type { IncomingMessage, ServerResponse } from 'node:http';
import { GraphQLError } from 'graphql';
import { createYoga, type Plugin } from 'graphql-yoga';
import type { GraphQLContext } from '../../schema/context.ts';
import { schema } from '../../schema/index.ts';
import { keyFromAuthorization, type KeyResolver, type Principal } from '../auth/api-keys.ts';
import { permissionsOf } from '../auth/roles.ts';
import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import type { Logger } from '../log.ts';
import { createRateLimiter, type RateLimiter } from '../rate-limit.ts';
import { AppError } from '../errors.ts';
import { useDocumentLimits, useRequestChecks, useResultGuard, type GraphQLLimits } from './limits.ts';

/** What the Node adapter hands Yoga, plus the caller the gate resolved before anything else ran. */
interface ServerContext {
  req?: IncomingMessage;
  res?: ServerResponse;
  principal?: Principal;
}

export interface GraphQLServerDeps {
  config: Pick<Config, 'corsOrigins' | 'graphqlRateLimit'>;
  log: Logger;
  db: Database;
  keys: KeyResolver;
  sync: GraphQLContext['sync'];
  deletions: GraphQLContext['deletions'];
  alerts: GraphQLContext['alerts'];
  definitionWrites: GraphQLContext['definitionWrites'];
  limits: GraphQLLimits;
}

/**
 * The /graphql endpoint. Limits come before work: the gate checks the declared body size and the
 * API key before the body is read; tokens are counted while parsing; depth, aliases, directives,
 * cost and variables are checked before execution; the response size before it is sent.
 */
export function createGraphQLServer({ config, log, db, keys, sync, deletions, alerts, definitionWrites, limits }: GraphQLServerDeps) {
  return createYoga<ServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // never the original error (its SQL and values) in an answer, whatever NODE_ENV says
    maskedErrors: { isDev: false },
    logging: yogaLogger(log),
    cors: corsOptions(config.corsOrigins),
    // the gate refuses a larger declared body first; this bounds what is read all the same
    maxRequestBodySize: limits.bodyBytes,
    // the cost and variable checks depend on the variables: a validation is good for one request
    parserAndValidationCache: { validationCache: false },
    plugins: [
      useGate(keys, limits.bodyBytes, createRateLimiter(config.graphqlRateLimit, 'requests')),
      ...useDocumentLimits(limits),
      useRequestChecks(limits),
      useResultGuard(limits),
    ],
    context: ({ principal }) => {
      if (!principal) throw new Error('the request gate did not run');
      return { principal, db, keys, sync, deletions, alerts, definitionWrites };
    },
  });
}

/**
 * Checks, before the body is read or the query parsed: a POST declares its length, within the
 * limit; the request carries a known, unrevoked key of a role that may use GraphQL, within its
 * rate.
 */
function useGate(keys: KeyResolver, bodyBytes: number, rateLimiter: RateLimiter): Plugin<object, ServerContext> {
  return {
    async onRequest({ request, serverContext, endResponse, fetchAPI }) {
      const refuse = (status: number, code: string, message: string, headers: Record<string, string> = {}) =>
        new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: { code } }] }), {
          status,
          headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
        });
      if (request.method === 'POST') {
        const declared = request.headers.get('content-length');
        // (Node has already refused a malformed Content-Length; a chunked body declares none)
        if (declared === null) return endResponse(refuse(411, 'LENGTH_REQUIRED', 'send the body with a Content-Length header'));
        if (Number(declared) > bodyBytes) {
          return endResponse(refuse(413, 'BODY_TOO_LARGE', `the body is ${declared} bytes; the limit is ${bodyBytes}`));
        }
      }
      const key = keyFromAuthorization(request.headers.get('authorization'));
      if (!key) return endResponse(refuse(401, 'UNAUTHENTICATED', 'send an API key as "Authorization: Bearer <key>"'));
      const principal = await keys.resolve(key);
      if (!principal) return endResponse(refuse(401, 'INVALID_API_KEY', 'the API key is unknown or revoked'));
      if (!permissionsOf(principal.role).graphql.reader) {
        return endResponse(refuse(403, 'FORBIDDEN', 'capture keys can only send events; use an admin, architect or analyst key'));
      }
      try {
        rateLimiter.charge(principal.keyId, { rows: 1 });
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        return endResponse(refuse(err.status, err.code, err.message, err.headers));
      }
      serverContext.principal = principal;
    },
    // Yoga answers some refusals without a body (an unsupported method, media type or Accept):
    // give them one with a code, like every other refusal
    onResponse({ response, setResponse, fetchAPI }) {
      if (response.status < 400 || response.body !== null) return;
      const headers = new fetchAPI.Headers(response.headers);
      headers.set('content-type', 'application/json; charset=utf-8');
      const code = BODYLESS_CODES[response.status] ?? 'BAD_REQUEST';
      const message = `${response.status} ${response.statusText || code.toLowerCase().replaceAll('_', ' ')}`;
      setResponse(
        new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: { code } }] }), { status: response.status, headers }),
      );
    },
  };
}

const BODYLESS_CODES: Record<number, string> = {
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

/** No CORS headers unless origins are configured; then only for those, and never with credentials (keys travel in a header). */
function corsOptions(origins: string[]) {
  if (origins.length === 0) return false;
  return (request: Request) => {
    const origin = request.headers.get('origin');
    if (!origin || !origins.includes(origin)) return false;
    return { origin, credentials: false, methods: ['GET', 'POST'], allowedHeaders: ['authorization', 'content-type'], maxAge: 600 };
  };
}

/**
 * Yoga's log lines on the app's logger: errors go under `err` (reduced to what may be logged),
 * strings are the message, anything else (documents, variables, results) only by its type.
 */
function yogaLogger(log: Logger) {
  const child = log.child({ component: 'graphql' });
  const at =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...args: unknown[]) => {
      if (!child.isLevelEnabled(level)) return;
      const error = args.find((a) => a instanceof Error);
      const err = error instanceof GraphQLError && error.originalError ? error.originalError : error;
      const message = args
        .map((a) => (typeof a === 'string' ? a : a instanceof Error ? '' : `(${typeof a})`))
        .filter(Boolean)
        .join(' ');
      if (err) child[level]({ err }, message || 'graphql error');
      else child[level](message);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
