/**
 * The listening port is taken first, before the database is touched or a migration runs: a port
 * already in use is reported at once instead of after every migration (and not as a WebSocket
 * server error). Until the app is running, the bound server answers `/healthz` 200 and
 * everything else 503 `starting`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { reasonOf, StartupError } from './errors.js';

/** The request listener of a bound server whose app is not running yet; the app removes it. */
export function answerStarting(req: IncomingMessage, res: ServerResponse): void {
  const path = (req.url ?? '/').split('?')[0];
  const alive = path === '/healthz';
  res.writeHead(alive ? 200 : 503, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...(alive ? {} : { 'retry-after': '1' }) });
  res.end(JSON.stringify(alive ? { status: 'ok' } : { status: 'starting' }));
  req.resume();
}

/** Listens on host:port, or throws StartupError('port') naming what is wrong with it. */
export async function bindHttpServer(host: string, port: number, server: Server = createServer(answerStarting)): Promise<Server> {
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    const code = reasonOf(error);
    const where = `${host}:${port}`;
    if (code === 'EADDRINUSE') throw new StartupError('port', `${where} is already in use (EADDRINUSE): stop the other process or set PORT`, { cause: error });
    if (code === 'EACCES') throw new StartupError('port', `not allowed to listen on ${where} (EACCES): choose a PORT above 1023 or run with the privilege`, { cause: error });
    if (code === 'EADDRNOTAVAIL') throw new StartupError('port', `HOST ${host} is not an address of this machine (EADDRNOTAVAIL)`, { cause: error });
    throw new StartupError('port', `cannot listen on ${where} (${code})`, { cause: error });
  }
  return server;
}
