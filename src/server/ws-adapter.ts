/**
 * graphql-ws on `ws`: graphql-ws's own protocol core (`makeServer`) with a socket adapter of
 * ours in place of `graphql-ws/use/ws`, doing what that adapter does (subprotocol negotiation,
 * closing on internal errors; keep-alive pings are keep-alive.ts's, one interval for every
 * socket) plus, for fan-out:
 *
 * - **One serialised payload per result.** A cohort (src/edge/cohorts.ts) hands the same result
 *   object to every member, so its `next` payload JSON is computed once (memoised by the result
 *   object) and spliced into each member's frame with the member's own id. graphql-ws builds the
 *   frame with `JSON.stringify(message, replacer)` and passes it straight to `send`: the replacer
 *   stands the memoised JSON in for the payload, and `send`, called synchronously right after,
 *   splices it in. Every frame is byte for byte what graphql-ws would have sent.
 * - **One write per event and socket.** The frames a socket is sent in one tick (an event's
 *   frames for each of its subscriptions) are corked and written together, one syscall.
 * - **Events that arrive together leave together.** graphql-ws asks a subscription for its next
 *   result once `send` resolves. While the socket's unsent bytes stay at or under `eagerBytes`,
 *   `send` resolves as soon as the frame is queued, in order, on the socket, so results already
 *   waiting (a burst of events) are framed in the same tick and share its write. Above it, `send`
 *   resolves once the frame has reached the kernel, as graphql-ws's own adapter does: a client
 *   that stops reading still stalls its streams, and backpressure (backpressure.ts) sees at most
 *   `eagerBytes` plus one frame per subscription that did not come from the client.
 */
import type { IncomingMessage } from 'node:http';
import type { ExecutionResult } from 'graphql';
import { CloseCode, DEPRECATED_GRAPHQL_WS_PROTOCOL, handleProtocols, makeServer, type ServerOptions } from 'graphql-ws';
import type { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../lib/logger.js';

export interface Extra {
  readonly socket: WebSocket;
  readonly request: IncomingMessage;
}

/** The pieces of a payload serialised once: what the replacer hands over to `send`. */
class SerialisedPayload {
  constructor(readonly json: string) {}
}

const NEXT_TAIL = '"payload":null}';

export interface SocketAdapterOptions {
  logger: Logger;
  /** Internal error text stays out of close reasons (NODE_ENV=production). */
  isProd: boolean;
  /** Unsent bytes up to which `send` does not wait for the frame to be written (see above). */
  eagerBytes: number;
}

/** `eagerBytes` for a WS_MAX_BUFFERED_BYTES: a quarter of it, at most 64 KiB, so eager frames alone never look like a slow client. */
export const eagerBytesFor = (maxBufferedBytes: number) => Math.min(65_536, Math.floor(maxBufferedBytes / 4));

/** Serves graphql-ws with `options` on the sockets of `wss`. */
export function serveGraphqlWs<P extends Record<string, unknown> | undefined, E extends Record<PropertyKey, unknown>>(
  options: ServerOptions<P, Extra & Partial<E>>,
  wss: WebSocketServer,
  { logger, isProd, eagerBytes }: SocketAdapterOptions,
): void {
  type Chosen = Awaited<ReturnType<NonNullable<typeof options.onNext>>>;
  const payloads = new WeakMap<ExecutionResult, SerialisedPayload>();
  // The payload JSON of the `next` frame being stringified now; `send` takes it at once.
  let pending: string | undefined;
  /** The `next` payload for a result: the caller's choice, or the result's JSON serialised once for every member. */
  const serialise = (chosen: Chosen, result: ExecutionResult): Chosen => {
    if (chosen || result.errors) return chosen;
    let serialised = payloads.get(result);
    if (!serialised) payloads.set(result, (serialised = new SerialisedPayload(JSON.stringify(result))));
    // graphql-ws only checks that the payload is an object; the replacer below writes it.
    return serialised as unknown as Chosen;
  };

  const server = makeServer<P, Extra & Partial<E>>({
    ...options,
    onNext: (ctx, id, payload, args, result) => {
      // Synchronous unless a caller's own onNext is asynchronous: no promise per delivered result.
      const chosen = options.onNext?.(ctx, id, payload, args, result);
      return chosen instanceof Promise ? chosen.then((c) => serialise(c, result)) : serialise(chosen, result);
    },
    jsonMessageReplacer(key, value: unknown) {
      if (key === 'payload' && value instanceof SerialisedPayload) {
        pending = value.json;
        return null;
      }
      return value;
    },
  });

  const internalError = (socket: WebSocket, err: unknown) =>
    socket.close(CloseCode.InternalServerError, isProd ? 'Internal server error' : (err instanceof Error ? err.message : String(err)).slice(0, 100));

  wss.options.handleProtocols = handleProtocols;
  wss.once('error', (err) => {
    logger.error({ err }, 'graphql-ws: the WebSocket server failed');
    for (const client of wss.clients) internalError(client, err);
  });

  wss.on('connection', (socket, request) => {
    // One event reaches every member of a cohort on this socket in the same tick: their frames are
    // corked together and leave in one write when the tick's work is done.
    const raw = (socket as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
    let corked = false;
    const uncork = () => {
      corked = false;
      raw?.uncork();
    };
    socket.once('error', (err) => {
      logger.warn({ err }, 'graphql-ws: socket error');
      internalError(socket, err);
    });

    const closed = server.opened(
      {
        protocol: socket.protocol,
        send(data) {
          let frame = data;
          const json = pending;
          pending = undefined;
          if (json !== undefined && frame.endsWith(NEXT_TAIL)) {
            frame = `${frame.slice(0, -'null}'.length)}${json}}`;
          }
          if (socket.readyState !== socket.OPEN) return;
          if (raw && !corked) {
            corked = true;
            raw.cork();
            process.nextTick(uncork);
          }
          // Queued in order; a failed write closes the socket ('error' above), which ends its streams.
          if (socket.bufferedAmount + frame.length <= eagerBytes) return socket.send(frame);
          return new Promise<void>((resolve, reject) => socket.send(frame, (err) => (err ? reject(err) : resolve())));
        },
        close: (code, reason) => socket.close(code, reason),
        onMessage: (cb) =>
          socket.on('message', async (event: Buffer) => {
            try {
              await cb(String(event));
            } catch (err) {
              logger.error({ err }, 'graphql-ws: message handling failed');
              internalError(socket, err);
            }
          }),
      },
      { socket, request } as Extra & Partial<E>,
    );

    socket.once('close', (code, reason) => {
      if (!isProd && code === CloseCode.SubprotocolNotAcceptable && socket.protocol === DEPRECATED_GRAPHQL_WS_PROTOCOL) {
        logger.warn('graphql-ws: a client asked for the deprecated subscriptions-transport-ws protocol');
      }
      void closed(code, String(reason));
    });
  });
}
