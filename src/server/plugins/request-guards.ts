/**
 * Request-level refusals Yoga leaves to us: batched (array) bodies are refused with
 * BATCHING_NOT_SUPPORTED, `variables` / `extensions` that are not JSON (GET query string, form
 * bodies) are a 400 BAD_REQUEST instead of a masked 500, and the refusals Yoga and graphql-js
 * produce themselves (bad JSON, parse and validation failures, variables of the wrong type, …)
 * are counted in `paypulse_refusals_total` like ours.
 */
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Metrics } from '../../lib/metrics.js';
import { clientError, ErrorCode } from '../../schema/errors.js';

/**
 * Codes of request errors raised by Yoga or graphql-js (never by our own plugins, which count
 * their refusals where they raise them). Only errors without a `path` count: those come from
 * the request, not from a resolver.
 */
const PROTOCOL_CODES = new Set<string>([ErrorCode.BadRequest, ErrorCode.GraphqlParseFailed, ErrorCode.GraphqlValidationFailed, ErrorCode.BadUserInput, ErrorCode.OperationResolutionFailure, ErrorCode.Unauthenticated]);

type ErrorLike = { readonly path?: unknown; readonly extensions?: Readonly<Record<string, unknown>> | undefined };

/** Counts the protocol refusals in one result (HTTP here; ws.ts calls it for parse and validation errors). */
export function countProtocolRefusals(metrics: Metrics, errors: readonly ErrorLike[] | undefined): void {
  for (const error of errors ?? []) {
    const code = error.extensions?.code;
    if (error.path === undefined && typeof code === 'string' && PROTOCOL_CODES.has(code)) metrics.refuse(code);
  }
}

type Result = { errors?: readonly GraphQLError[] };
const isResult = (r: unknown): r is Result => typeof r === 'object' && r !== null && !(Symbol.asyncIterator in r);
const uncoded = (e: GraphQLError) => e.path === undefined && !e.extensions?.code;
const coded = <R extends Result>(r: R): R => ({
  ...r,
  errors: r.errors?.map((e) => (uncoded(e) ? new GraphQLError(e.message, { nodes: e.nodes, source: e.source, positions: e.positions, originalError: e.originalError, extensions: { ...e.extensions, code: ErrorCode.BadUserInput } }) : e)),
});

export function useRequestGuards(metrics: Metrics): Plugin {
  return {
    onRequestParse({ requestParser, setRequestParser }) {
      // Yoga's query-string and form parsers JSON.parse `variables` unguarded: a SyntaxError
      // there would be masked as a 500.
      if (requestParser) {
        const inner = requestParser;
        setRequestParser(async (request) => {
          try {
            return await inner(request);
          } catch (error) {
            if (error instanceof SyntaxError) {
              throw clientError(ErrorCode.BadRequest, `request parameters are not valid JSON: ${error.message}`, { http: { status: 400 } });
            }
            throw error;
          }
        });
      }
      return {
        onRequestParseDone({ requestParserResult }) {
          // One operation per request: an array would let one request (and one rate-limit token)
          // carry many operations.
          if (Array.isArray(requestParserResult)) {
            metrics.refuse(ErrorCode.BatchingNotSupported);
            throw clientError(ErrorCode.BatchingNotSupported, 'batched (array) request bodies are not supported; send one operation per request', { http: { status: 400 } });
          }
        },
      };
    },
    // Errors graphql-js raises before any resolver runs (variables it could not coerce, no
    // operation to run) carry no code; they are the client's, so they get BAD_USER_INPUT.
    onExecute() {
      return { onExecuteDone: ({ result, setResult }) => void (isResult(result) && result.errors?.some(uncoded) && setResult(coded(result))) };
    },
    onSubscribe() {
      return { onSubscribeResult: ({ result, setResult }) => void (isResult(result) && result.errors?.some(uncoded) && setResult(coded(result))) };
    },
    // Yoga answers a body it has no parser for with an empty 415: counted here, there is no result.
    onResponse({ response }) {
      if (response.status === 415) metrics.refuse('UNSUPPORTED_MEDIA_TYPE');
    },
    onResultProcess({ result }) {
      const results = Array.isArray(result) ? result : [result];
      for (const r of results) if (r && typeof r === 'object' && 'errors' in r) countProtocolRefusals(metrics, (r as { errors?: ErrorLike[] }).errors);
    },
  };
}
