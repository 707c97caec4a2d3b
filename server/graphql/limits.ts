import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { createComplexityRule } from '@pothos/plugin-complexity';
import { GraphQLError, Kind, type ASTVisitor, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * What one GraphQL request may ask of the server. Each limit is checked before the work it
 * bounds (the body before it is read, tokens while parsing, the shape and the cost before
 * execution, the response before it is sent), and each refusal is a GraphQL error with a code.
 * README.md ("GraphQL limits") lists them.
 */
export interface GraphQLLimits {
  /** Request body (POST): 413 BODY_TOO_LARGE. */
  bodyBytes: number;
  /** Lexical tokens of the query document: 400 TOO_MANY_TOKENS (parsing stops there). */
  tokens: number;
  /** Nested field selections (fragments flattened, introspection aside): 400 QUERY_TOO_DEEP. */
  depth: number;
  /** Aliases in an operation, `__typename` included: 400 TOO_MANY_ALIASES. */
  aliases: number;
  /** Directives in an operation: 400 TOO_MANY_DIRECTIVES. */
  directives: number;
  /** Cost (schema/builder.ts: list fields multiply their selection by the rows they may return): 400 QUERY_TOO_COSTLY. */
  cost: number;
  /** Nesting of variable values (objects and lists): 400 INVALID_ARGUMENT. */
  variableDepth: number;
  /** Serialised response: replaced by 400 RESPONSE_TOO_LARGE. */
  responseBytes: number;
}

export const DEFAULT_GRAPHQL_LIMITS: GraphQLLimits = {
  // a console's largest request: a destination config with a service-account key, or the ids of
  // a couple of thousand page definitions to reorder
  bodyBytes: 64 * 1024,
  // the standard introspection query has 163; the parser's recursion stays far from the stack's end
  tokens: 2_000,
  // the deepest real selection (a mutation's result → data → runs → nodes → field) is 5
  depth: 10,
  aliases: 20,
  directives: 20,
  // one page of 500 events with every field costs about 11,000
  cost: 15_000,
  variableDepth: 32,
  // 500 events whose properties reach the capture limit (32 KiB each) fit
  responseBytes: 32 * 1024 * 1024,
};

/** A refusal of a request: a GraphQL error with a code and the HTTP status Yoga answers with. */
export function refusal(code: string, message: string, status = 400): GraphQLError {
  return new GraphQLError(message, { extensions: { code, http: { status } } });
}

/**
 * GraphQL Armor's limits on the document. Armor reports a breach as an error without a code;
 * `onReject` throws ours instead, which also stops parsing or validation at once.
 */
export function useDocumentLimits(limits: GraphQLLimits): Plugin[] {
  const reject = (code: string, what: string, limit: number) => [
    () => {
      throw refusal(code, `the query has more ${what} than the limit of ${limit}`);
    },
  ];
  return [
    maxTokensPlugin({ n: limits.tokens, onReject: reject('TOO_MANY_TOKENS', 'tokens', limits.tokens) }),
    maxDepthPlugin({
      n: limits.depth,
      flattenFragments: true,
      onReject: reject('QUERY_TOO_DEEP', 'levels of nested fields', limits.depth),
    }),
    // __typename counts too: a million `a: __typename` aliases were the unauthenticated crash
    maxAliasesPlugin({ n: limits.aliases, allowList: [], onReject: reject('TOO_MANY_ALIASES', 'aliases', limits.aliases) }),
    maxDirectivesPlugin({ n: limits.directives, onReject: reject('TOO_MANY_DIRECTIVES', 'directives', limits.directives) }),
  ];
}

/**
 * The cost limit and the checks of variable values, as validation rules of each request: both
 * depend on the variables, so Yoga's validation cache must be off (server/graphql/yoga.ts).
 */
export function useRequestChecks(limits: GraphQLLimits): Plugin {
  return {
    onValidate({ addValidationRule, context }) {
      const params = (context as { params?: { variables?: unknown; operationName?: string | null } }).params;
      const variables = params?.variables && typeof params.variables === 'object' ? (params.variables as Record<string, unknown>) : {};
      addValidationRule(inputRule(variables, limits.variableDepth));
      addValidationRule(
        createComplexityRule({
          context: {},
          variableValues: variables,
          operationName: params?.operationName ?? undefined,
          validate: ({ complexity }, report) => {
            if (complexity > limits.cost) {
              report(
                refusal(
                  'QUERY_TOO_COSTLY',
                  `the query costs ${complexity}, over the limit of ${limits.cost}: ask for fewer rows (first) or fewer fields`,
                ),
              );
            }
          },
        }),
      );
    },
  };
}

/**
 * Strings must not hold U+0000 (Postgres text and jsonb cannot store it) and variables must not
 * nest deeper than `maxDepth`: checked here once for every operation, so no resolver meets them.
 */
function inputRule(variables: Record<string, unknown>, maxDepth: number) {
  return (context: ValidationContext): ASTVisitor => {
    const problem = checkValues(variables, maxDepth);
    if (problem) context.reportError(refusal('INVALID_ARGUMENT', `variables: ${problem}`));
    return {
      [Kind.STRING]: (node) => {
        if (node.value.includes('\u0000')) context.reportError(refusal('INVALID_ARGUMENT', 'a string may not contain U+0000'));
      },
    };
  };
}

/** The first problem of a JSON value (walked without recursion: its nesting is what is checked). */
function checkValues(root: unknown, maxDepth: number): string | undefined {
  const stack: { value: unknown; depth: number }[] = [{ value: root, depth: 0 }];
  while (stack.length > 0) {
    const { value, depth } = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return 'a string may not contain U+0000';
    } else if (typeof value === 'object' && value !== null) {
      if (depth >= maxDepth) return `values may nest at most ${maxDepth} levels deep`;
      for (const [key, child] of Object.entries(value)) {
        if (key.includes('\u0000')) return 'a key may not contain U+0000';
        stack.push({ value: child, depth: depth + 1 });
      }
    }
  }
  return undefined;
}

/**
 * The last word on every answer: every error carries a code; a request that did not run answers
 * its error's status (400 unless it says otherwise) whatever the Accept header (Yoga answers 200
 * to `application/json`); a response over `responseBytes` is replaced by RESPONSE_TOO_LARGE. The
 * serialised text is handed to Yoga, so a response is stringified once.
 */
export function useResultGuard(limits: GraphQLLimits): Plugin {
  return {
    onResultProcess({ result, setResult }) {
      if (Array.isArray(result) || Symbol.asyncIterator in result) return;
      const ran = 'data' in result;
      for (const error of result.errors ?? []) {
        const extensions = error.extensions as {
          code?: string;
          unexpected?: boolean;
          http?: { status?: number; headers?: Record<string, string> };
        };
        // errors graphql-js makes without a code: variables that do not fit their type (no path),
        // a value that does not fit the schema's output type (a path)
        extensions.code ??= error.path ? 'INTERNAL_SERVER_ERROR' : 'INVALID_ARGUMENT';
        if (extensions.http || (!ran && !extensions.unexpected)) {
          extensions.http = { status: extensions.http?.status ?? 400, headers: extensions.http?.headers };
        }
      }
      let text: string | undefined;
      try {
        text = JSON.stringify(result);
      } catch (error) {
        if (!(error instanceof RangeError)) throw error;
      }
      if (text === undefined || Buffer.byteLength(text) > limits.responseBytes) {
        setResult({
          errors: [
            refusal(
              'RESPONSE_TOO_LARGE',
              `the response exceeds the limit of ${limits.responseBytes} bytes: ask for fewer rows (first) or fewer fields`,
            ),
          ],
        });
        return;
      }
      const serialised = text;
      // Yoga stringifies a copy when the result has errors (to drop internal extensions)
      result.stringify = (value) => (value === result ? serialised : JSON.stringify(value));
    },
  };
}
