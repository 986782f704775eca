/**
 * The multipart bodies paypulse writes (plugins/http-subscriptions.ts), read by the real clients
 * that speak them: Apollo Client's HttpLink (Apollo's protocol, with heartbeats) and urql's
 * fetch subscriptions (plain multipart/mixed, which urql parses as incremental delivery and
 * where a `{}` heartbeat would be a result: so none is sent there). A local HTTP server serves a
 * scripted subscription so the fatal end (SLOW_CONSUMER with its `after`) is deterministic.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { ApolloClient, CombinedProtocolErrors, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { Client, fetchExchange } from '@urql/core';
import type { ExecutionResult } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipartResponse, streamingTransport } from '../../src/server/plugins/http-subscriptions.js';

const FEED = 'subscription { paymentEvents { cursor } }';

async function* scripted(): AsyncGenerator<ExecutionResult> {
  yield { data: { paymentEvents: { cursor: '7' } } };
  // Let a few heartbeats out between the results.
  await new Promise((r) => setTimeout(r, 60));
  yield { data: { paymentEvents: { cursor: '8' } } };
  yield { errors: [{ message: 'subscriber too slow', extensions: { code: 'SLOW_CONSUMER', after: '8' } }] } as never;
}

describe('multipart subscriptions read by Apollo Client and urql', () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      // urql lists text/event-stream first; this server only streams multipart, in the framing asked for.
      const apollo = streamingTransport(req.headers.accept ?? null)?.apollo ?? false;
      const response = multipartResponse(scripted(), globalThis, { apollo, heartbeatMs: 10 });
      res.writeHead(response.status, Object.fromEntries(response.headers));
      Readable.fromWeb(response.body as NodeReadableStream).pipe(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('Apollo Client: every payload as data, heartbeats ignored, SLOW_CONSUMER as a protocol error with `after`', async () => {
    const client = new ApolloClient({ link: new HttpLink({ uri: url }), cache: new InMemoryCache() });
    const seen: unknown[] = [];
    const error = await new Promise<unknown>((resolve) => {
      client.subscribe<{ paymentEvents: { cursor: string } }>({ query: gql(FEED) }).subscribe({
        next: (result) => (result.error ? resolve(result.error) : seen.push(result.data?.paymentEvents.cursor)),
        error: resolve,
        complete: () => resolve(undefined),
      });
    });
    expect(seen).toEqual(['7', '8']);
    expect(CombinedProtocolErrors.is(error)).toBe(true);
    expect((error as CombinedProtocolErrors).errors[0]).toMatchObject({ extensions: { code: 'SLOW_CONSUMER', after: '8' } });
  });

  it('urql (plain multipart/mixed): every result as data, then the error with its code', async () => {
    const client = new Client({ url, fetchSubscriptions: true, exchanges: [fetchExchange] });
    const results = await new Promise<{ data?: unknown; error?: { graphQLErrors: { extensions: unknown }[] } }[]>((resolve) => {
      const out: { data?: unknown; error?: { graphQLErrors: { extensions: unknown }[] } }[] = [];
      const { unsubscribe } = client.subscription(FEED, {}).subscribe((result) => {
        out.push({ data: result.data, ...(result.error ? { error: result.error as never } : {}) });
        if (result.error || out.length > 5) {
          setImmediate(() => unsubscribe());
          resolve(out);
        }
      });
    });
    expect(results.slice(0, 2).map((r) => r.data)).toEqual([{ paymentEvents: { cursor: '7' } }, { paymentEvents: { cursor: '8' } }]);
    expect(results.at(-1)!.error!.graphQLErrors[0]!.extensions).toMatchObject({ code: 'SLOW_CONSUMER', after: '8' });
  });
});
