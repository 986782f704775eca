/**
 * `useErrorMasking`: what Yoga's `maskedErrors` does (an unexpected error reaches the client as
 * "Unexpected error." with INTERNAL_SERVER_ERROR; errors made for clients pass as they are; the
 * original is logged), done by paypulse so that subscribers sharing a cohort are masked once per
 * result instead of once per subscriber.
 *
 * Yoga's masking plugin wraps every subscription's stream in two envelop iterators (one for
 * results, one for thrown errors): at 5,000 subscribers of one event that is 10,000 iterator
 * steps, a dozen promises each, for results that are the same object (issue 18: the fan-out
 * bench delivered 3.2× the baseline's messages/s with it, 5.4× without). So Yoga runs with
 * `maskedErrors: false` and this plugin masks:
 * - execution results (queries, mutations, incremental streams), as Yoga's would;
 * - a subscription's results and thrown errors through the same per-stream wrapper as Yoga's,
 *   except for a cohort member (src/edge/cohorts.ts), whose cohort masks each shared result
 *   and error once, before handing it to every member; a refusal (a result that is not a
 *   stream) is masked here for members too;
 * - errors from building the context;
 * - every error Yoga answers a request with by itself (a request parser's, a plugin's, a thrown
 *   execute), which it no longer masks: in `onResultProcess`, before the response is written.
 *
 * Abort errors (a client that went away) pass unmasked, as Yoga passes them.
 */
import { GraphQLError, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { createGraphQLError, isAsyncIterable, type Plugin } from 'graphql-yoga';

/** Yoga's `maskError` signature: the message is the one masked errors get. */
export type MaskError = (error: unknown, message: string) => Error;

export const MASKED_ERROR_MESSAGE = 'Unexpected error.';

export interface ErrorMasking {
  readonly plugin: Plugin;
  /** An error as a client may see it (a GraphQLError), logging the original when it was masked. */
  error(error: unknown): unknown;
  /** A result with every error masked (the same object when it has none). */
  result(result: ExecutionResult): ExecutionResult;
}

export interface ErrorMaskingOptions {
  mask: MaskError;
  /** Logs an error that was masked (Yoga logs them at error level too). */
  logMasked: (error: unknown) => void;
  /** Whether the subscription of `args` joins a cohort, which masks its results itself. */
  sharedByCohort: (args: ExecutionArgs) => boolean;
}

const isAbortError = (error: unknown) => error instanceof Error && error.name === 'AbortError';

export function createErrorMasking({ mask, logMasked, sharedByCohort }: ErrorMaskingOptions): ErrorMasking {
  // Masking is idempotent: an error this plugin produced passes as it is the next time.
  const masked = new WeakSet<object>();

  function maskOne(error: unknown): Error {
    if (typeof error === 'object' && error !== null && masked.has(error)) return error as Error;
    const out = mask(error, MASKED_ERROR_MESSAGE);
    if (out !== error) logMasked(error);
    const client = out instanceof GraphQLError || (out instanceof Error && out.name === 'GraphQLError') ? out : createGraphQLError(out.message, { originalError: out });
    masked.add(client);
    return client;
  }

  function result(r: ExecutionResult): ExecutionResult {
    if (!r.errors?.length) return r;
    return { ...r, errors: r.errors.map((e) => maskOne(e) as GraphQLError) };
  }

  const error = (e: unknown) => (isAbortError(e) ? e : maskOne(e));

  const handleResult = ({ result: r, setResult }: { result: ExecutionResult; setResult: (r: ExecutionResult) => void }) => {
    if (r.errors?.length) setResult(result(r));
  };
  const streamOrSingle = (payload: { result: unknown; setResult: (r: ExecutionResult) => void }) => {
    if (isAsyncIterable(payload.result)) return { onNext: handleResult };
    handleResult(payload as { result: ExecutionResult; setResult: (r: ExecutionResult) => void });
    return undefined;
  };

  const plugin: Plugin = {
    onPluginInit({ registerContextErrorHandler }) {
      registerContextErrorHandler(({ error: e, setError }) => setError(error(e)));
    },
    onExecute() {
      return { onExecuteDone: (payload) => streamOrSingle(payload as never) };
    },
    onSubscribe({ args }) {
      if (sharedByCohort(args)) {
        return {
          onSubscribeResult(payload) {
            if (!isAsyncIterable(payload.result)) handleResult(payload as never);
          },
        };
      }
      return {
        onSubscribeResult: (payload) => streamOrSingle(payload as never),
        onSubscribeError({ error: e, setError }) {
          setError(error(e));
        },
      };
    },
    onResultProcess({ result: r, setResult }) {
      if (isAsyncIterable(r)) return;
      if (Array.isArray(r)) {
        if (r.some((x) => x.errors?.length)) setResult(r.map(result));
      } else if ((r as ExecutionResult).errors?.length) setResult(result(r as ExecutionResult));
    },
  };

  return { plugin, error, result };
}
