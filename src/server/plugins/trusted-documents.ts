/**
 * Trusted documents (TRUSTED_DOCUMENTS=<manifest.json>): only operations listed in a persisted
 * documents manifest run; any other document is refused with PERSISTED_QUERY_ONLY before it is
 * parsed, so a client can no longer send arbitrary (costly, probing) documents at all.
 *
 * Over HTTP a client names an operation by its manifest key — `documentId` in the POST body, or
 * `extensions.persistedQuery.sha256Hash` (GET or POST) — or sends the exact text of a listed
 * document; an unknown key is PERSISTED_QUERY_NOT_FOUND. graphql-ws requires the `query` text in
 * every `subscribe`, so WebSocket clients send the listed text. The check sits in `onParse`,
 * which the WebSocket path reaches through `yoga.getEnveloped()`: one rule for both transports.
 * (Keys are not resolved inside `onParse`: Yoga's document cache, keyed by the query text, runs
 * after it and would hand one key's document to another request with the same empty text.)
 */
import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Metrics } from '../../lib/metrics.js';
import { clientError, ErrorCode } from '../../schema/errors.js';

export interface TrustedDocuments {
  /** Document text by manifest key (the client preset's sha256 hash). */
  readonly byId: ReadonlyMap<string, string>;
  /** The listed texts, to accept a client that sends a listed document in full. */
  readonly texts: ReadonlySet<string>;
}

/**
 * Reads a `persisted-documents.json` manifest (`{ "<key>": "<document>" }`, as
 * `@graphql-codegen/client-preset` with `persistedDocuments: true` writes it). Throws at start
 * when the file is missing or not such an object, or a document does not parse.
 */
export function loadTrustedDocuments(path: string): TrustedDocuments {
  const raw: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${path}: a trusted documents manifest is a JSON object of key → document`);
  const byId = new Map<string, string>();
  for (const [id, text] of Object.entries(raw)) {
    if (typeof text !== 'string') throw new Error(`${path}: document ${id} is not a string`);
    parse(text); // a manifest with a broken document is a build error, better found at start
    byId.set(id, text);
  }
  return { byId, texts: new Set(byId.values()) };
}

type Params = { query?: unknown; documentId?: unknown; extensions?: unknown };

/** The manifest key a request names, if any. */
function requestedId(params: Params | undefined): string | undefined {
  if (typeof params?.documentId === 'string') return params.documentId;
  const persisted = (params?.extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery;
  return typeof persisted?.sha256Hash === 'string' ? persisted.sha256Hash : undefined;
}

export function useTrustedDocuments(documents: TrustedDocuments, metrics: Metrics): Plugin {
  const notFound = (id: string) => {
    metrics.refuse(ErrorCode.PersistedQueryNotFound);
    return clientError(ErrorCode.PersistedQueryNotFound, `no trusted document ${id.slice(0, 80)}`, { http: { status: 400 } });
  };
  return {
    // HTTP: a request naming a document carries no query; fill it in before Yoga checks params.
    onParams({ params, setParams }) {
      const { documentId, ...rest } = params as typeof params & Params;
      const id = requestedId(params as Params);
      if (id === undefined || (typeof params.query === 'string' && params.query !== '')) {
        if (documentId !== undefined) setParams(rest);
        return;
      }
      const text = documents.byId.get(id);
      if (text === undefined) throw notFound(id);
      setParams({ ...rest, query: text });
    },
    onParse({ params }) {
      const source = typeof params.source === 'string' ? params.source : params.source.body;
      if (documents.texts.has(source)) return;
      metrics.refuse(ErrorCode.PersistedQueryOnly);
      throw clientError(ErrorCode.PersistedQueryOnly, 'only trusted (persisted) documents are accepted on this server', { http: { status: 400 } });
    },
  };
}
