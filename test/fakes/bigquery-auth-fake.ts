/**
 * Google's token services, faked on 127.0.0.1 for the BigQuery sign-in tests, so that each
 * sign-in runs its whole chain through google-auth-library without the internet:
 *
 * - the STS token exchange (`POST /v1/token`, RFC 8693, what workload identity federation calls):
 *   it checks the audience names a known workload identity pool provider and the subject token
 *   is a JWT signed by that provider's identity provider, unexpired, for that audience;
 * - the IAM Credentials API (`POST /v1/projects/-/serviceAccounts/EMAIL:generateAccessToken`,
 *   impersonation): the caller's token must carry the cloud-platform scope and its principal must
 *   hold Service Account Token Creator on the account;
 * - a GCE metadata server (`/computeMetadata/v1/…`, Application Default Credentials on Google
 *   Cloud runtimes), which answers only requests with `Metadata-Flavor: Google`.
 *
 * Every token it issues is recorded in a {@link FakeTokenStore} with its principal and scopes;
 * the BigQuery fake authenticates requests against the same store.
 */
import { createPublicKey, createVerify, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export const BIGQUERY_SCOPE = 'https://www.googleapis.com/auth/bigquery';
export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

/** Why a bearer token was refused. */
export class FakeAuthError extends Error {}

interface IssuedToken {
  principal: string;
  scopes: string[];
  expiresAt: number;
}

/** The tokens a fake Google accepts, and who each one is. */
export class FakeTokenStore {
  private readonly tokens = new Map<string, IssuedToken>();
  private readonly keys = new Map<string, KeyObject>();

  /** Accepts `token` as it is (a static test token); its principal is the token itself unless given. */
  addStatic(token: string, principal = token): void {
    this.tokens.set(token, { principal, scopes: [CLOUD_PLATFORM_SCOPE], expiresAt: Number.POSITIVE_INFINITY });
  }

  /** Accepts self-signed JWTs of this service account (verified with its public key). */
  addServiceAccount(email: string, publicKeyPem: string): void {
    this.keys.set(email, createPublicKey(publicKeyPem));
  }

  /** Issues a new access token for `principal`. */
  issue(principal: string, scopes: string[], lifetimeSeconds = 3600): string {
    const token = `ya29.fake-${randomBytes(18).toString('base64url')}`;
    this.tokens.set(token, { principal, scopes, expiresAt: Date.now() + lifetimeSeconds * 1000 });
    return token;
  }

  /** Expires every token of a principal (as if an hour had passed). */
  expire(principal: string): void {
    for (const issued of this.tokens.values()) if (issued.principal === principal) issued.expiresAt = 0;
  }

  /**
   * The principal behind an `Authorization: Bearer …` header whose token carries `scope` (or
   * cloud-platform, which includes every scope), or a {@link FakeAuthError} saying why not.
   */
  principalOf(authorization: string | undefined, scope: string): string {
    const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    if (!token) throw new FakeAuthError('no bearer token');
    const issued = this.tokens.get(token);
    if (issued) {
      if (issued.expiresAt < Date.now()) throw new FakeAuthError('the access token expired');
      if (!issued.scopes.includes(scope) && !issued.scopes.includes(CLOUD_PLATFORM_SCOPE)) {
        throw new FakeAuthError(`the access token lacks the scope ${scope}`);
      }
      return issued.principal;
    }
    return this.selfSignedPrincipal(token, scope);
  }

  // A service account's self-signed JWT: RS256 over its key, unexpired, with the scope (or the
  // API as audience).
  private selfSignedPrincipal(token: string, scope: string): string {
    const parts = token.split('.');
    if (parts.length !== 3) throw new FakeAuthError('unknown token');
    const [head, body, signature] = parts as [string, string, string];
    let claims: { iss?: string; exp?: number; scope?: string; aud?: string };
    try {
      claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      throw new FakeAuthError('malformed JWT');
    }
    const key = claims.iss ? this.keys.get(claims.iss) : undefined;
    if (!key) throw new FakeAuthError(`unknown service account ${claims.iss}`);
    const verifier = createVerify('RSA-SHA256');
    verifier.update(`${head}.${body}`);
    if (!verifier.verify(key, Buffer.from(signature, 'base64url'))) throw new FakeAuthError('bad JWT signature');
    if (typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now()) throw new FakeAuthError('JWT expired');
    const scopes = (claims.scope ?? '').split(' ');
    const audienceOk = scope === BIGQUERY_SCOPE && claims.aud === 'https://bigquery.googleapis.com/';
    if (!scopes.includes(scope) && !scopes.includes(CLOUD_PLATFORM_SCOPE) && !audienceOk)
      throw new FakeAuthError(`JWT lacks the scope ${scope}`);
    return claims.iss!;
  }
}

/** A workload identity pool provider the STS fake knows. */
export interface FakePoolProvider {
  /** `//iam.googleapis.com/projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER` */
  audience: string;
  /** The public key (PEM) of the identity provider that signs the subject tokens (RS256). */
  issuerPublicKeyPem: string;
}

/** Options of {@link startGoogleTokenServices}. */
export interface GoogleTokenServicesOptions {
  store: FakeTokenStore;
  providers?: FakePoolProvider[];
  /** Service account email → principals holding Service Account Token Creator on it. */
  tokenCreators?: Record<string, string[]>;
  /** The service account the metadata server hands tokens of. Default `vm@test-proj.iam.gserviceaccount.com`. */
  metadataServiceAccount?: string;
  projectId?: string;
}

/** One request the token services answered. */
export interface TokenServiceRequest {
  api: 'sts.token' | 'iam.generateAccessToken' | 'metadata.token' | 'metadata.other';
  status: number;
  /** Who the issued token is for (when one was issued). */
  principal?: string;
}

/** The running token services. */
export interface GoogleTokenServices {
  url: string;
  /** For `GCE_METADATA_HOST`. */
  metadataHost: string;
  /** `stsEndpoint` of the BigQuery config. */
  stsEndpoint: string;
  /** `iamCredentialsEndpoint` of the BigQuery config. */
  iamCredentialsEndpoint: string;
  requests: TokenServiceRequest[];
  close(): Promise<void>;
}

function poolPrincipal(audience: string, subject: string): string {
  const pool = audience.replace(/^\/\//, 'principal://').replace(/\/providers\/[^/]+$/, '');
  return `${pool}/subject/${subject}`;
}

function verifyIdToken(token: string, key: KeyObject, audience: string): { sub: string } {
  const parts = token.split('.');
  if (parts.length !== 3) throw new Error('the subject token is not a JWT');
  const [head, body, signature] = parts as [string, string, string];
  const verifier = createVerify('RSA-SHA256');
  verifier.update(`${head}.${body}`);
  if (!verifier.verify(key, Buffer.from(signature, 'base64url'))) throw new Error('the subject token signature is invalid');
  const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { sub?: string; aud?: string; exp?: number };
  if (typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now()) throw new Error('the subject token expired');
  // An OIDC provider's default allowed audience is its own resource name over https.
  if (claims.aud !== `https:${audience}`) throw new Error(`the subject token's audience ${claims.aud} is not allowed`);
  if (!claims.sub) throw new Error('the subject token has no sub');
  return { sub: claims.sub };
}

/** Starts the token services on 127.0.0.1 with a random port. */
export async function startGoogleTokenServices(options: GoogleTokenServicesOptions): Promise<GoogleTokenServices> {
  const { store } = options;
  const providers = new Map((options.providers ?? []).map((p) => [p.audience, createPublicKey(p.issuerPublicKeyPem)]));
  const metadataAccount = options.metadataServiceAccount ?? 'vm@test-proj.iam.gserviceaccount.com';
  const requests: TokenServiceRequest[] = [];
  const sockets = new Set<Socket>();

  const send = (res: ServerResponse, status: number, body: unknown, contentType = 'application/json') => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': contentType, 'metadata-flavor': 'Google' });
    res.end(text);
  };

  async function body(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  async function sts(req: IncomingMessage, res: ServerResponse) {
    const form = new URLSearchParams(await body(req));
    const fail = (description: string) => {
      requests.push({ api: 'sts.token', status: 400 });
      send(res, 400, { error: 'invalid_grant', error_description: description });
    };
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:token-exchange') return fail('unsupported grant_type');
    if (form.get('requested_token_type') !== 'urn:ietf:params:oauth:token-type:access_token')
      return fail('unsupported requested_token_type');
    const audience = form.get('audience') ?? '';
    const key = providers.get(audience);
    if (!key) return fail(`unknown audience ${audience}`);
    let subject: string;
    try {
      subject = verifyIdToken(form.get('subject_token') ?? '', key, audience).sub;
    } catch (err) {
      return fail((err as Error).message);
    }
    const principal = poolPrincipal(audience, subject);
    const scopes = (form.get('scope') ?? CLOUD_PLATFORM_SCOPE).split(' ');
    const token = store.issue(principal, scopes);
    requests.push({ api: 'sts.token', status: 200, principal });
    send(res, 200, {
      access_token: token,
      issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      token_type: 'Bearer',
      expires_in: 3600,
    });
  }

  async function generateAccessToken(req: IncomingMessage, res: ServerResponse, email: string) {
    const deny = (status: number, message: string, statusText: string) => {
      requests.push({ api: 'iam.generateAccessToken', status });
      send(res, status, { error: { code: status, message, status: statusText } });
    };
    let caller: string;
    try {
      caller = store.principalOf(req.headers.authorization, CLOUD_PLATFORM_SCOPE);
    } catch (err) {
      return deny(401, `Request had invalid authentication credentials. (${(err as Error).message})`, 'UNAUTHENTICATED');
    }
    const request = JSON.parse((await body(req)) || '{}') as { scope?: string[]; lifetime?: string; delegates?: string[] };
    if (!(options.tokenCreators?.[email] ?? []).includes(caller)) {
      return deny(403, "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).", 'PERMISSION_DENIED');
    }
    if (!Array.isArray(request.scope) || request.scope.length === 0) return deny(400, 'scope is required', 'INVALID_ARGUMENT');
    const lifetime = Number(/^(\d+)s$/.exec(request.lifetime ?? '3600s')?.[1] ?? NaN);
    if (!(lifetime > 0 && lifetime <= 3600)) return deny(400, 'lifetime must be at most 3600s', 'INVALID_ARGUMENT');
    const token = store.issue(email, request.scope, lifetime);
    requests.push({ api: 'iam.generateAccessToken', status: 200, principal: email });
    send(res, 200, { accessToken: token, expireTime: new Date(Date.now() + lifetime * 1000).toISOString() });
  }

  function metadata(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams) {
    if (req.headers['metadata-flavor'] !== 'Google') {
      requests.push({ api: 'metadata.other', status: 403 });
      return send(res, 403, 'Missing Metadata-Flavor:Google header.', 'text/plain');
    }
    if (path === '/computeMetadata/v1/instance/service-accounts/default/token') {
      const scopes = (query.get('scopes') ?? CLOUD_PLATFORM_SCOPE).split(',');
      const token = store.issue(metadataAccount, scopes);
      requests.push({ api: 'metadata.token', status: 200, principal: metadataAccount });
      return send(res, 200, { access_token: token, expires_in: 3599, token_type: 'Bearer' });
    }
    requests.push({ api: 'metadata.other', status: 200 });
    if (path === '/computeMetadata/v1/instance/service-accounts/default/email') return send(res, 200, metadataAccount, 'text/plain');
    if (path === '/computeMetadata/v1/project/project-id') return send(res, 200, options.projectId ?? 'test-proj', 'text/plain');
    if (path === '/computeMetadata/v1/' || path === '/computeMetadata/v1') return send(res, 200, '', 'text/plain');
    return send(res, 404, 'not found', 'text/plain');
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const handled = (async () => {
      if (req.method === 'POST' && url.pathname === '/v1/token') return sts(req, res);
      const impersonate = /^\/v1\/projects\/-\/serviceAccounts\/([^/:]+):generateAccessToken$/.exec(url.pathname);
      if (req.method === 'POST' && impersonate) return generateAccessToken(req, res, decodeURIComponent(impersonate[1]!));
      if (url.pathname.startsWith('/computeMetadata/')) return metadata(req, res, url.pathname, url.searchParams);
      send(res, 404, { error: { code: 404, message: `not faked: ${req.method} ${url.pathname}` } });
    })();
    handled.catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { error: { code: 500, message: (err as Error).message } });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the token services did not get a port');
  const url = `http://127.0.0.1:${address.port}`;
  return {
    url,
    metadataHost: `127.0.0.1:${address.port}`,
    stsEndpoint: `${url}/v1/token`,
    iamCredentialsEndpoint: url,
    requests,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
