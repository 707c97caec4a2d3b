/**
 * The console's only way to the server: POST /graphql with the signed-in key in the
 * Authorization header (the key lives in session storage, never in a URL or a cookie).
 */
import type { TypedDocumentString } from './generated/graphql.ts';

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

/**
 * Runs one GraphQL operation of queries.ts; its variables and answer are typed by the document
 * (generated). A GraphQL error becomes an ApiError with its code.
 */
export async function gql<T, Variables>(
  document: TypedDocumentString<T, Variables>,
  // variables may be left out only when the operation has no required one
  ...[variables]: Record<string, never> extends Variables ? [Variables?] : [Variables]
): Promise<T> {
  let response: Response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${session.key() ?? ''}` },
      body: JSON.stringify({ query: document.toString(), variables: variables ?? {} }),
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

type ResultOf<Document> = Document extends TypedDocumentString<infer T, never> ? T : never;
type RootOf<Answer> = Answer extends Record<string, infer Payload> ? Payload : never;

/**
 * Runs one of several documents that each answer one root field (queries.ts: one per kind of
 * definition, or per destination action) and returns that field's payload. Their variables differ
 * per document and are built from the form's text fields, so the server checks them.
 */
export async function gqlRoot<Document extends TypedDocumentString<object, never>>(
  document: Document,
  variables: Record<string, unknown>,
): Promise<RootOf<ResultOf<Document>>> {
  const answer = await gql(document as unknown as TypedDocumentString<Record<string, unknown>, Record<string, unknown>>, variables);
  return Object.values(answer)[0] as RootOf<ResultOf<Document>>;
}

/** The `data` of the payload members of a result union. */
export type DataOf<Payload> = Payload extends { data: infer T } ? T : never;

/** A result union's payload data, or its typed error (`...Refused`, queries.ts) thrown as an ApiError. */
export function dataOf<Payload extends { __typename: string }>(payload: Payload): DataOf<Payload> {
  if ('code' in payload && typeof payload.code === 'string') {
    const refusal = payload as { code: string; message?: string; field?: string | null };
    throw new ApiError(refusal.code, refusal.message ?? refusal.code, refusal.field ?? null);
  }
  return (payload as unknown as { data: DataOf<Payload> }).data;
}
