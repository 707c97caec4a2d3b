/**
 * The console's only way to the server: POST /graphql with the signed-in key in the
 * Authorization header (the key lives in session storage, never in a URL or a cookie).
 */

const KEY = 'tributary.console.key';

export const session = {
  key: (): string | null => sessionStorage.getItem(KEY),
  signIn: (key: string) => sessionStorage.setItem(KEY, key),
  signOut: () => sessionStorage.removeItem(KEY),
};

/** A refusal from the API, with its stable code (README "GraphQL"). */
export class ApiError extends Error {
  readonly code: string;
  readonly field: string | null;
  constructor(code: string, message: string, field: string | null = null) {
    super(message);
    this.code = code;
    this.field = field;
  }
}

/** Called when the key stops working (revoked, unknown): the console goes back to sign-in. */
let onSignedOut: (error: ApiError) => void = () => {};
export const whenSignedOut = (handler: (error: ApiError) => void) => (onSignedOut = handler);

/** Runs one GraphQL operation; a GraphQL error becomes an ApiError with its code. */
export async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${session.key() ?? ''}` },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new ApiError('NETWORK_ERROR', 'the server did not answer');
  }
  let body: { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`HTTP_${response.status}`, `the server answered ${response.status}`);
  }
  const [error] = body.errors ?? [];
  if (error) {
    const refused = new ApiError(error.extensions?.code ?? `HTTP_${response.status}`, error.message);
    if (refused.code === 'INVALID_API_KEY' || refused.code === 'UNAUTHENTICATED') onSignedOut(refused);
    throw refused;
  }
  return body.data as T;
}

/** A mutation's answer: its payload's data, or its typed error (`... on AppError`) thrown. */
export type Payload<T> = { __typename: string; data?: T; code?: string; message?: string; field?: string | null };

export function dataOf<T>(payload: Payload<T>): T {
  if (payload.code) throw new ApiError(payload.code, payload.message ?? payload.code, payload.field ?? null);
  return payload.data as T;
}
