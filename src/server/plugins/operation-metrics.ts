/** Counts every GraphQL operation by type and outcome in `paypulse_graphql_operations_total`. */
import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Metrics } from '../../lib/metrics.js';

const isAsyncIterable = (value: unknown): boolean => typeof value === 'object' && value !== null && Symbol.asyncIterator in value;

export function useOperationMetrics(metrics: Metrics): Plugin {
  return {
    onExecute({ args }) {
      const type = getOperationAST(args.document, args.operationName)?.operation ?? 'unknown';
      return {
        onExecuteDone({ result }) {
          if (isAsyncIterable(result)) return;
          metrics.operations.inc({ type, outcome: (result as { errors?: unknown[] }).errors?.length ? 'error' : 'ok' });
        },
      };
    },
    onSubscribe() {
      return {
        onSubscribeResult({ result }) {
          metrics.operations.inc({ type: 'subscription', outcome: isAsyncIterable(result) ? 'ok' : 'error' });
        },
      };
    },
  };
}
