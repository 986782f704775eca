/**
 * Cheap refusals for expensive documents, on HTTP and WebSocket alike (both go through Yoga's
 * envelop): a token cap at parse time (10,000 aliases never reach validation), then one
 * validation rule measuring depth, breadth (total selections) and complexity with the Pothos
 * complexity calculator. Introspection fields are not counted by it; the token cap bounds them.
 */
import { createComplexityRule } from '@pothos/plugin-complexity';
import { GraphQLError, parse, validate, type ParseOptions, type Source } from 'graphql';
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

export function useQueryLimits(limits: QueryLimits, metrics: Metrics): Plugin<LimitContext> {
  const boundedParse = (source: string | Source, options?: ParseOptions) => {
    try {
      return parse(source, { ...options, maxTokens: limits.maxTokens });
    } catch (error) {
      if (error instanceof GraphQLError && error.message.includes('tokens')) {
        metrics.refuse(ErrorCode.QueryTooLarge);
        throw refusal(ErrorCode.QueryTooLarge, `document has more than ${limits.maxTokens} tokens`, { maxTokens: limits.maxTokens });
      }
      throw error;
    }
  };

  return {
    onParse({ setParseFn }) {
      setParseFn(boundedParse);
    },
    onValidate({ params, context }) {
      const variables = context.params?.variables;
      // Measured only once the document is valid, so an invalid one gets graphql-js's errors alone.
      return ({ valid, setResult }) => {
        if (!valid) return;
        const rule = createComplexityRule({
          context,
          variableValues: variables && typeof variables === 'object' && !Array.isArray(variables) ? (variables as Record<string, unknown>) : {},
          operationName: context.params?.operationName ?? undefined,
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
        const refused = validate(params.schema, params.documentAST, [rule]);
        if (refused.length > 0) setResult([...refused]);
      };
    },
  };
}
