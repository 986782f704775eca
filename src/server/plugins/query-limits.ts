/**
 * Cheap refusals for expensive documents, on HTTP and WebSocket alike (both go through Yoga's
 * envelop): a token cap at parse time (10,000 aliases never reach validation), then one
 * validation rule measuring depth, breadth (total selections) and complexity with the Pothos
 * complexity calculator. Introspection fields are not counted by it; the token cap bounds them.
 */
import { createComplexityRule } from '@pothos/plugin-complexity';
import {
  getVariableValues,
  GraphQLError,
  isInterfaceType,
  isObjectType,
  Kind,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ParseOptions,
  type Source,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Metrics } from '../../lib/metrics.js';
import { ErrorCode } from '../../schema/errors.js';

export interface QueryLimits {
  maxTokens: number;
  maxDepth: number;
  maxBreadth: number;
  maxComplexity: number;
}

type LimitContext = { params?: { variables?: unknown; operationName?: string | null } };

function refusal(code: string, message: string, extensions: Record<string, unknown>) {
  // Yoga answers 400 and drops `http` from what the client sees.
  return new GraphQLError(message, { extensions: { code, ...extensions, http: { status: 400 } } });
}

/**
 * The rule's other errors (variables of the wrong type) are the client's: BAD_USER_INPUT unless a
 * scalar gave its own code, answered as Yoga answers graphql-js's validation errors (`spec`: 400
 * for application/graphql-response+json, 200 for application/json, as the GraphQL-over-HTTP
 * specification says for a request error). The limits' refusals carry their own status.
 */
function asClientError(e: GraphQLError): GraphQLError {
  if (e.extensions?.code && e.extensions.http) return e;
  return new GraphQLError(e.message, {
    nodes: e.nodes,
    source: e.source,
    positions: e.positions,
    originalError: e.originalError,
    extensions: { ...e.extensions, code: e.extensions?.code ?? ErrorCode.BadUserInput, http: e.extensions?.http ?? { status: 400, spec: true } },
  });
}

const LIMIT_CODES = new Set<unknown>([ErrorCode.QueryTooDeep, ErrorCode.QueryTooBroad, ErrorCode.QueryTooComplex]);

export function useQueryLimits(limits: QueryLimits, metrics: Metrics): Plugin<LimitContext> {
  const boundedParse = (source: string | Source, options?: ParseOptions) => {
    try {
      return parse(source, { ...options, maxTokens: limits.maxTokens });
    } catch (error) {
      if (error instanceof GraphQLError && error.message.includes('tokens')) {
        metrics.refuse(ErrorCode.QueryTooLarge);
        throw refusal(ErrorCode.QueryTooLarge, `document has more than ${limits.maxTokens} tokens`, { maxTokens: limits.maxTokens });
      }
      // graphql-js parses recursively: list or object values nested a few thousand levels deep
      // (well under the token cap) exhaust the stack. That is the client's document, not our fault.
      if (error instanceof RangeError) {
        metrics.refuse(ErrorCode.QueryTooDeep);
        throw refusal(ErrorCode.QueryTooDeep, 'document is nested too deeply to parse', {});
      }
      throw error;
    }
  };

  // graphql-js's own verdict depends only on schema, document and rules, so it is cached here for
  // graphql-js's specified rules (which Yoga's engine plugin adds to every validation); the limits
  // below may depend on the variables too. (Yoga's built-in
  // validation cache is off, see yoga.ts: it ran after this plugin and cached a refusal caused by
  // one caller's variables for every later request with the same document.)
  const verdicts = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, readonly GraphQLError[]>>();
  // Where a variable can change the measure, the limits' verdict per document and (operation
  // name, variables): a reconnect storm of one client's subscription measures it once, not once
  // per socket. A document keeps the verdicts of its last LIMIT_VERDICTS_PER_DOCUMENT variable sets.
  const limitVerdicts = new WeakMap<DocumentNode, Map<string, readonly GraphQLError[]>>();
  // The measure alone (depth, breadth, complexity), per document, where no variable can change it
  // (see measuresAlike): such a document is measured once, and each request only has its
  // variables coerced, whose errors the rule would have reported first.
  const measures = new WeakMap<DocumentNode, readonly GraphQLError[]>();

  return {
    onParse({ setParseFn }) {
      setParseFn(boundedParse);
    },
    onValidate({ params, context, setResult: setCached }) {
      const variables = context.params?.variables;
      const bySchema = verdicts.get(params.schema) ?? new WeakMap<DocumentNode, readonly GraphQLError[]>();
      verdicts.set(params.schema, bySchema);
      const cacheable = onlySpecifiedRules(params.rules);
      const cached = cacheable ? bySchema.get(params.documentAST) : undefined;
      if (cached) setCached([...cached]);
      // Measured only once the document is valid, so an invalid one gets graphql-js's errors alone.
      return ({ valid, result, setResult }) => {
        if (!cached && cacheable) bySchema.set(params.documentAST, [...result]);
        if (!valid) return;
        const operationName = context.params?.operationName;
        const operation = measuresAlike(params.schema, params.documentAST, operationName);
        const key = operation ? undefined : verdictKey(operationName, variables);
        let known = key === undefined ? undefined : limitVerdicts.get(params.documentAST)?.get(key);
        let coerced = false;
        if (operation) {
          const coercion = getVariableValues(params.schema, operation.variableDefinitions ?? [], variableMap(variables)).errors;
          coerced = coercion === undefined;
          known = coercion?.map(asClientError) ?? measures.get(params.documentAST);
        }
        if (known) {
          if (known.length > 0) {
            // The limits' refusals are counted here; BAD_USER_INPUT is counted with the result (request-guards.ts).
            for (const e of known) if (LIMIT_CODES.has(e.extensions.code)) metrics.refuse(e.extensions.code as string);
            setResult([...known]);
          }
          return;
        }
        const rule = createComplexityRule({
          context,
          variableValues: variableMap(variables),
          operationName: operationName ?? undefined,
          validate: (result, report) => {
            const checks: [number, number, string, string][] = [
              [result.depth, limits.maxDepth, ErrorCode.QueryTooDeep, 'depth'],
              [result.breadth, limits.maxBreadth, ErrorCode.QueryTooBroad, 'breadth'],
              [result.complexity, limits.maxComplexity, ErrorCode.QueryTooComplex, 'complexity'],
            ];
            for (const [actual, max, code, what] of checks) {
              if (actual <= max) continue;
              metrics.refuse(code);
              report(refusal(code, `query ${what} ${actual} exceeds the maximum of ${max}`, { [what]: actual, max }));
              return;
            }
          },
        });
        // The rule coerces the variables first: its errors without a code are variables of the
        // wrong type, which the client must see as BAD_USER_INPUT.
        const refused = validate(params.schema, params.documentAST, [rule]).map(asClientError);
        if (key !== undefined) remember(limitVerdicts, params.documentAST, key, refused);
        // Its variables coerced, so the rule measured: that is the document's measure for everyone.
        if (coerced) measures.set(params.documentAST, refused);
        if (refused.length > 0) setResult(refused);
      };
    },
  };
}

const variableMap = (variables: unknown): Record<string, unknown> =>
  variables && typeof variables === 'object' && !Array.isArray(variables) ? (variables as Record<string, unknown>) : {};

/**
 * The document's one operation when no variable can change its measure, else undefined. The
 * complexity rule reads variables only for the arguments of fields whose complexity is a function
 * (none in paypulse's schema; checked once per schema): it counts selections under `@skip` and
 * `@include` whatever their condition. Documents with several operations, or an operation name
 * the document does not have, are measured per variables.
 */
function measuresAlike(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined): OperationDefinitionNode | undefined {
  if (schemaReadsArguments(schema)) return undefined;
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operations.length === 1 ? operations[0] : undefined;
  if (!operation || (operationName != null && operation.name?.value !== operationName)) return undefined;
  return operation;
}

const schemasReadingArguments = new WeakMap<GraphQLSchema, boolean>();

/** True if some field's complexity is a function of its arguments (Pothos keeps it in the field's extensions). */
function schemaReadsArguments(schema: GraphQLSchema): boolean {
  let reads = schemasReadingArguments.get(schema);
  if (reads === undefined) {
    reads = Object.values(schema.getTypeMap()).some(
      (type) => (isObjectType(type) || isInterfaceType(type)) && Object.values(type.getFields()).some((field) => typeof field.extensions?.complexity === 'function'),
    );
    schemasReadingArguments.set(schema, reads);
  }
  return reads;
}

const LIMIT_VERDICTS_PER_DOCUMENT = 64;
/** Variables larger than this are measured every time rather than kept as a cache key. */
const MAX_KEY_LENGTH = 2048;

function verdictKey(operationName: string | null | undefined, variables: unknown): string | undefined {
  let key: string;
  try {
    key = JSON.stringify([operationName ?? null, variables ?? null]);
  } catch {
    // Variables nested deeper than the stack (the body parser accepts them): measured, not kept.
    return undefined;
  }
  return key.length <= MAX_KEY_LENGTH ? key : undefined;
}

function remember(cache: WeakMap<DocumentNode, Map<string, readonly GraphQLError[]>>, document: DocumentNode, key: string, verdict: readonly GraphQLError[]): void {
  const byVariables = cache.get(document) ?? new Map<string, readonly GraphQLError[]>();
  cache.set(document, byVariables);
  byVariables.set(key, verdict);
  if (byVariables.size > LIMIT_VERDICTS_PER_DOCUMENT) byVariables.delete(byVariables.keys().next().value!);
}

/** True for graphql-js's own rules (none given, or exactly `specifiedRules`): their verdict is cacheable per document. */
function onlySpecifiedRules(rules: readonly unknown[] | undefined): boolean {
  return rules === undefined || (rules.length === specifiedRules.length && rules.every((rule, i) => rule === specifiedRules[i]));
}
