/**
 * `/dashboard`: the live dashboard page, served from its committed build (`dashboard/dist`, made
 * by `npm run build:dashboard`; CI rebuilds it and fails when it differs from its sources). Every
 * file is read once at start into memory and only those files are served, so no request path ever
 * reaches the file system. `/dashboard/session.json` tells the page where the API is and, in
 * embedded mode, offers the demo merchant's token (the same one GraphiQL's Headers panel holds).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export const DASHBOARD_PATH = '/dashboard';
export const DASHBOARD_DIST = fileURLToPath(new URL('../../dashboard/dist/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Only this origin's scripts, styles and connections (HTTP and WebSocket); no framing. Styles set
 * from script through CSSOM (uPlot, bar widths) are not inline markup, so `style-src 'self'` holds.
 */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

interface Asset {
  body: Buffer;
  gzipped: Buffer | undefined;
  type: string;
  /** Content-hashed file names never change: cache them for a year. */
  immutable: boolean;
}

export interface DashboardOptions {
  /** The demo merchant's credentials when it was seeded (embedded mode). */
  demo: () => { merchantId: string; token: string } | undefined;
  /** Directory of the built page (default: dashboard/dist). */
  dist?: string;
}

function loadAssets(dist: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        walk(path);
        continue;
      }
      const rel = relative(dist, path).split(sep).join('/');
      const ext = rel.slice(rel.lastIndexOf('.'));
      const body = readFileSync(path);
      const type = TYPES[ext] ?? 'application/octet-stream';
      const compressible = type.startsWith('text/') || type.startsWith('application/json') || type === 'image/svg+xml';
      assets.set(`/${rel}`, { body, gzipped: compressible && body.length > 1024 ? gzipSync(body) : undefined, type, immutable: rel.startsWith('assets/') });
    }
  };
  try {
    walk(dist);
  } catch {
    // Not built: /dashboard answers 503 with how to build it.
  }
  return assets;
}

export function createDashboardHandler(options: DashboardOptions) {
  const assets = loadAssets(options.dist ?? DASHBOARD_DIST);
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      return void res.end('method not allowed\n');
    }
    if (path === '/') {
      res.writeHead(302, { location: `${DASHBOARD_PATH}/` });
      return void res.end();
    }
    const rest = path === DASHBOARD_PATH ? '/' : path.slice(DASHBOARD_PATH.length);
    if (rest === '/session.json') {
      const demo = options.demo();
      return send(req, res, 200, 'application/json; charset=utf-8', Buffer.from(JSON.stringify({ demo: demo ?? null })), { 'cache-control': 'no-store' });
    }
    const asset = assets.get(rest === '/' ? '/index.html' : rest);
    if (!asset) {
      if (assets.size === 0) return send(req, res, 503, 'text/plain; charset=utf-8', Buffer.from('The dashboard is not built: run npm run build:dashboard\n'), {});
      return send(req, res, 404, 'text/plain; charset=utf-8', Buffer.from('not found\n'), {});
    }
    const gzip = asset.gzipped && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    send(req, res, 200, asset.type, gzip ? asset.gzipped! : asset.body, {
      'cache-control': asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      ...(asset.gzipped ? { vary: 'accept-encoding' } : {}),
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
      ...(asset.type.startsWith('text/html') ? { 'content-security-policy': CSP, 'x-frame-options': 'DENY' } : {}),
    });
  };
}

function send(req: IncomingMessage, res: ServerResponse, status: number, type: string, body: Buffer, headers: Record<string, string>) {
  res.writeHead(status, {
    'content-type': type,
    'content-length': String(body.length),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    ...headers,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
