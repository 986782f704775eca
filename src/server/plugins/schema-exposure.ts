/**
 * What anonymous callers (no token, no API key, or a credential that failed) may learn about the
 * schema, per `config.exposure` (production defaults: README "Production defaults"):
 * - introspection (`__schema`, `__type`; `__typename` is always allowed): a document asking for
 *   it is refused at validation with INTROSPECTION_DISABLED;
 * - "Did you mean …?" hints in validation errors: the error stays, the hint is removed.
 * HTTP requests are authenticated once before validation (the context factory shares the
 * result); a WebSocket operation always carries the principal of its connection_init.
 */
import { GraphQLError, visit, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Config } from '../../config.js';
import { ErrorCode } from '../../lib/error-codes.js';
import type { Metrics } from '../../lib/metrics.js';
import type { CallerResolver, SocketInitialContext } from '../context.js';

type Audience = Config['exposure']['introspection'];
type ExposureContext = Partial<SocketInitialContext> & { request?: Request };

export const INTROSPECTION_DISABLED = ErrorCode.IntrospectionDisabled;
const SUGGESTION = / Did you mean .+\?$/s;

const allows = (audience: Audience, authenticated: boolean) => audience === 'public' || (audience === 'authenticated' && authenticated);

function introspects(document: DocumentNode): GraphQLError | undefined {
  let found: GraphQLError | undefined;
  visit(document, {
    Field(node) {
      if (found || (node.name.value !== '__schema' && node.name.value !== '__type')) return;
      found = new GraphQLError(`introspection (${node.name.value}) is not available to this caller`, {
        nodes: [node],
        extensions: { code: INTROSPECTION_DISABLED, http: { status: 400 } },
      });
    },
  });
  return found;
}

function withoutSuggestion(e: Error): Error {
  if (!(e instanceof GraphQLError) || !SUGGESTION.test(e.message)) return e;
  return new GraphQLError(e.message.replace(SUGGESTION, ''), { nodes: e.nodes, source: e.source, positions: e.positions, path: e.path, originalError: e.originalError, extensions: e.extensions });
}

export function useSchemaExposure(options: { exposure: Config['exposure']; callers: CallerResolver; metrics: Metrics }): Plugin<ExposureContext> {
  const { exposure, callers, metrics } = options;
  const everyone = exposure.introspection === 'public' && exposure.suggestions === 'public';
  const authenticated = (context: ExposureContext) => !!(context.socketPrincipal ?? (context.request ? callers.known(context.request) : null));
  return {
    async onParams({ request }) {
      // Resolved here, before validation needs it; a bad credential counts as anonymous here and
      // is refused (UNAUTHENTICATED) by the context factory, which gets the same result.
      if (!everyone) await callers.resolve(request).catch(() => undefined);
    },
    onValidate({ params, context }) {
      if (everyone) return;
      return ({ result, setResult }) => {
        const known = authenticated(context);
        let errors: Error[] = [...result];
        const before = errors.length;
        let changed = false;
        if (!allows(exposure.suggestions, known)) {
          errors = errors.map((e) => {
            const stripped = withoutSuggestion(e);
            changed ||= stripped !== e;
            return stripped;
          });
        }
        if (!allows(exposure.introspection, known)) {
          const refused = introspects(params.documentAST);
          if (refused) {
            metrics.refuse(INTROSPECTION_DISABLED);
            errors = [...errors, refused];
          }
        }
        if (changed || errors.length !== before) setResult(errors);
      };
    },
  };
}
