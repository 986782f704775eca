/**
 * The authorization matrix, generated from schema.graphql: every root field of Query, Mutation and
 * Subscription, over every transport (HTTP, graphql-ws, graphql-sse), by every kind of caller that
 * must not see merchant A's data — nobody, a malformed token, A's expired token, A's revoked API
 * key, and merchant B's staff, API key, vendor and customer (the customer's `sub` chosen to collide
 * with A's customer id, B holding a wallet and a reference of the same names as A's).
 *
 * Each field is called with arguments pointing at A's resources (A's merchant id, order id,
 * wallet id, reference, key id, user id, Relay ids). What must hold needs no reading of the code:
 * - nobody / malformed / expired / revoked is refused with UNAUTHENTICATED (a socket with 4403),
 *   and receives no data;
 * - B never receives any of A's data: everything A owns carries the marker `a-secret`, and no
 *   response, no subscription message and no error message sent to B contains it;
 * - nothing B tries changes anything A can read: every query A can make answers the same before
 *   and after the whole matrix.
 */
import { randomUUID } from 'node:crypto';
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLOutputType,
  type GraphQLSchema,
} from 'graphql';
import { createClient as createSseClient } from 'graphql-sse';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, expect, it, vi } from 'vitest';
import { claims, signJwt } from '../auth/helpers.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { describeWith } from '../support/services.js';
import { waitUntil } from '../support/subscriptions.js';

vi.setConfig({ testTimeout: 300_000, hookTimeout: 120_000 });

const WAIT_MS = 30_000;
const MARKER = 'a-secret';
const schema: GraphQLSchema = buildSchema(readFileSync('schema.graphql', 'utf8'));

type Transport = 'http' | 'ws' | 'sse' | 'multipart';
const TRANSPORTS: Transport[] = ['http', 'ws', 'sse', 'multipart'];
const APOLLO_ACCEPT = 'multipart/mixed;boundary="graphql";subscriptionSpec=1.0, application/json';

/** The JSON parts of Apollo's multipart body (boundary "graphql"): payloads and transport errors as results. */
function multipartResults(text: string): Outcome['results'] {
  return text
    .split('\r\n--graphql')
    .map((p) => p.split('\r\n\r\n')[1])
    .filter((body): body is string => !!body && body.trim() !== '')
    .map((body) => JSON.parse(body) as { payload?: Outcome['results'][number] | null; errors?: Outcome['results'][number]['errors'] } & Outcome['results'][number])
    .filter((part) => Object.keys(part).length > 0)
    .map((part) => ('payload' in part ? (part.payload ?? { errors: part.errors }) : part));
}

interface Caller {
  name: string;
  /** HTTP headers; graphql-ws gets the same as connection params. */
  headers: Record<string, string>;
  /** Must be refused with UNAUTHENTICATED everywhere. */
  anonymous: boolean;
}

interface Outcome {
  /** The results received (one for a query or mutation). */
  results: Array<{ data?: unknown; errors?: ReadonlyArray<{ message: string; extensions?: Record<string, unknown> }> }>;
  /** A refusal below GraphQL: HTTP status, socket close code, or a client error's text. */
  refused?: string;
}

/** What A owns, as named in arguments (none of these strings contains the marker). */
interface Targets {
  merchantId: string;
  orderId: string;
  walletId: string;
  reference: string;
  staffUserId: string;
  apiKeyId: string;
  globalIds: string[];
  notificationIds: string[];
}

// ---------------------------------------------------------------- documents from the schema

/** Leaf selection of a type down to `depth` levels of objects (connections need edges → node → leaves). */
function selection(type: GraphQLOutputType, depth: number): string {
  const named = getNamedType(type);
  if (isScalarType(named) || isEnumType(named)) return '';
  if (depth === 0) return '{ __typename }';
  if (isUnionType(named)) return `{ __typename ${named.getTypes().map((t) => `... on ${t.name} ${selection(t, depth - 1)}`).join(' ')} }`;
  if (!isObjectType(named) && !isInterfaceType(named)) return '{ __typename }';
  const parts: string[] = ['__typename'];
  for (const field of Object.values(named.getFields())) {
    if (field.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined)) continue;
    const inner = getNamedType(field.type);
    if (isScalarType(inner) || isEnumType(inner)) parts.push(field.name);
    else if (depth > 1) parts.push(`${field.name} ${selection(field.type, depth - 1)}`);
  }
  return `{ ${parts.join(' ')} }`;
}

function inputValue(type: GraphQLInputType, path: string, name: string, t: Targets): unknown {
  if (isNonNullType(type)) return inputValue(type.ofType, path, name, t);
  if (isListType(type)) {
    if (path === 'Query.nodes.ids') return t.globalIds;
    if (path === 'Mutation.markNotificationsRead.ids') return t.notificationIds.length ? t.notificationIds : ['x'];
    if (path === 'Subscription.presence.userIds') return [t.staffUserId];
    if (path === 'Mutation.ingestEnvelopes.envelopes') return [{ merchantId: t.merchantId, eventId: `probe-${randomUUID()}` }];
    return [inputValue(type.ofType, path, name, t)];
  }
  if (isInputObjectType(type)) {
    const out: Record<string, unknown> = {};
    for (const field of Object.values(type.getFields())) {
      const required = isNonNullType(field.type) && field.defaultValue === undefined;
      const pointed = ['merchantId', 'orderId', 'walletId', 'reference', 'customerId'].includes(field.name);
      if (required || pointed) out[field.name] = inputValue(field.type, `${type.name}.${field.name}`, field.name, t);
    }
    return out;
  }
  const special: Record<string, unknown> = {
    'Query.merchant.id': t.merchantId,
    'Query.order.id': t.orderId,
    'Query.node.id': t.globalIds[0],
    'Query.wallet.id': t.walletId,
    'Mutation.revokeApiKey.id': t.apiKeyId,
    'Mutation.revokeSessions.userId': t.staffUserId,
    'Mutation.providerWebhook.provider': 'paystack',
    'Mutation.providerWebhook.webhookTimestamp': String(Math.floor(Date.now() / 1000)),
    'Mutation.setProviderWebhookSecret.provider': 'paystack',
    'Mutation.removeProviderWebhookSecret.provider': 'paystack',
    'PaymentEventInput.eventId': `probe-${randomUUID()}`,
    'PaymentEventInput.provider': 'mpesa',
    'PaymentEventInput.amountMinor': '100',
    'PaymentEventInput.currency': 'KES',
    'CreateOrderInput.currency': 'KES',
    'OrderItemInput.unitPriceMinor': '100',
  };
  if (path in special) return special[path];
  if (name === 'merchantId') return t.merchantId;
  if (name === 'orderId') return t.orderId;
  if (name === 'walletId') return t.walletId;
  if (name === 'reference') return t.reference;
  if (name === 'customerId') return 'cust-shared';
  if (name === 'from') return new Date(Date.now() - 7 * 86_400_000).toISOString();
  if (name === 'to') return new Date(Date.now() + 86_400_000).toISOString();
  if (name === 'first') return 5;
  const named = getNamedType(type) as GraphQLNamedType;
  if (isEnumType(named)) return named.getValues()[0]!.value;
  switch (named.name) {
    case 'Int':
      return 1;
    case 'Boolean':
      return true;
    case 'DateTime':
      return new Date().toISOString();
    case 'BigInt':
      return '100';
    case 'JSON':
      return {};
    default:
      return 'x';
  }
}

interface Operation {
  label: string;
  kind: 'query' | 'mutation' | 'subscription';
  query: string;
  variables: Record<string, unknown>;
}

function operation(kind: Operation['kind'], root: string, field: GraphQLField<unknown, unknown>, t: Targets): Operation {
  const args = field.args.filter((a: GraphQLArgument) => isNonNullType(a.type) || ['merchantId', 'first', 'filter', 'walletId', 'reference', 'ids', 'userIds', 'from', 'to'].includes(a.name));
  const variables: Record<string, unknown> = {};
  for (const a of args) variables[a.name] = inputValue(a.type, `${root}.${field.name}.${a.name}`, a.name, t);
  const decl = args.length ? `(${args.map((a) => `$${a.name}: ${String(a.type)}`).join(', ')})` : '';
  const call = args.length ? `(${args.map((a) => `${a.name}: $${a.name}`).join(', ')})` : '';
  return { label: `${root}.${field.name}`, kind, query: `${kind} Probe${decl} { ${field.name}${call} ${selection(field.type, 4)} }`, variables };
}

function operations(kind: Operation['kind'], t: Targets): Operation[] {
  const root = { query: schema.getQueryType(), mutation: schema.getMutationType(), subscription: schema.getSubscriptionType() }[kind]!;
  return Object.values(root.getFields()).map((f) => operation(kind, root.name, f, t));
}

// ---------------------------------------------------------------- transports

await describeWith([], 'authorization matrix from schema.graphql (embedded)', () => {
  let t: TestApp;
  let targets: Targets;
  let aHeaders: Record<string, string>;
  let callers: Caller[];

  async function run(transport: Transport, caller: Caller, op: Operation, opts: { until?: Promise<unknown> } = {}): Promise<Outcome> {
    if (transport === 'http') {
      const res = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', ...caller.headers }, body: JSON.stringify({ query: op.query, variables: op.variables }) });
      const text = await res.text();
      try {
        return { results: [JSON.parse(text)] };
      } catch {
        return { results: [], refused: `HTTP ${res.status} ${text}` };
      }
    }
    if (transport === 'multipart') {
      const abort = new AbortController();
      void opts.until?.then(() => abort.abort());
      const res = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: APOLLO_ACCEPT, ...caller.headers }, body: JSON.stringify({ query: op.query, variables: op.variables }), signal: abort.signal });
      let text = '';
      try {
        const reader = res.body!.getReader();
        const decoder = new TextDecoder();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          text += decoder.decode(value, { stream: true });
        }
      } catch {
        // aborted: the stream was read until the test ended it
      }
      if (!(res.headers.get('content-type') ?? '').startsWith('multipart/')) {
        try {
          return { results: [JSON.parse(text)], ...(res.status >= 400 ? { refused: `HTTP ${res.status} ${text}` } : {}) };
        } catch {
          return { results: [], refused: `HTTP ${res.status} ${text}` };
        }
      }
      return { results: multipartResults(text) };
    }
    if (transport === 'ws') {
      const client = t.wsClient(caller.headers);
      const outcome: Outcome = { results: [] };
      const closed = new Promise<void>((resolve) =>
        client.on('closed', (e) => {
          outcome.refused ??= `close ${(e as { code: number }).code} ${(e as { reason: string }).reason}`;
          resolve();
        }),
      );
      await Promise.race([
        closed,
        new Promise<void>((resolve) => {
          const stop = client.subscribe(
            { query: op.query, variables: op.variables },
            {
              next: (r) => void outcome.results.push(r as Outcome['results'][number]),
              error: (e) => {
                outcome.refused ??= Array.isArray(e) ? JSON.stringify(e) : String((e as { code?: number; reason?: string }).code ?? e) + ' ' + String((e as { reason?: string }).reason ?? '');
                if (Array.isArray(e)) outcome.results.push({ errors: e });
                resolve();
              },
              complete: () => resolve(),
            },
          );
          if (opts.until) void opts.until.then(() => (stop(), resolve()));
        }),
      ]);
      await client.dispose();
      return outcome;
    }
    const client = createSseClient({ url: t.url, headers: caller.headers, retryAttempts: 0 });
    const outcome: Outcome = { results: [] };
    await new Promise<void>((resolve) => {
      const stop = client.subscribe(
        { query: op.query, variables: op.variables },
        {
          next: (r) => void outcome.results.push(r as Outcome['results'][number]),
          error: (e) => {
            outcome.refused = e instanceof Error ? e.message : JSON.stringify(e);
            resolve();
          },
          complete: () => resolve(),
        },
      );
      if (opts.until) void opts.until.then(() => (stop(), resolve()));
    });
    client.dispose();
    return outcome;
  }

  const codes = (o: Outcome) => o.results.flatMap((r) => (r.errors ?? []).map((e) => e.extensions?.code));
  const hasData = (o: Outcome) => o.results.some((r) => r.data && Object.values(r.data as object).some((v) => v !== null));

  /** Everything A can read, by A's own staff token, over HTTP. */
  async function snapshotOfA(): Promise<Record<string, unknown>> {
    const volatile = new Set(['Query.me', 'Query.connectionStats']);
    const out: Record<string, unknown> = {};
    for (const op of operations('query', targets)) {
      if (volatile.has(op.label)) continue;
      const o = await run('http', { name: 'A', headers: aHeaders, anonymous: false }, op);
      out[op.label] = o.results[0];
    }
    return out;
  }

  const gqlA = async (query: string, variables: Record<string, unknown> = {}) => {
    const res = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', ...aHeaders }, body: JSON.stringify({ query, variables }) });
    const body = (await res.json()) as { data?: any; errors?: unknown[] };
    expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
    return body.data;
  };

  let before: Record<string, unknown>;

  beforeAll(async () => {
    t = await startTestApp({ mode: 'embedded' });
    const a = `m_a${randomUUID().slice(0, 6)}`;
    const b = `m_b${randomUUID().slice(0, 6)}`;
    await t.createMerchant(a);
    await t.createMerchant(b);
    const staffA = `staff-${a}`;
    aHeaders = { authorization: `Bearer ${await t.token({ sub: staffA, role: 'merchant', merchantId: a })}` };
    const bToken = await t.token({ sub: `staff-${b}`, role: 'merchant', merchantId: b });

    // A's data: everything it owns carries the marker.
    const keyA = await t.domain.apiKeys.create({ merchantId: a, name: `${MARKER}-key` });
    const revokedA = await t.domain.apiKeys.create({ merchantId: a, name: `${MARKER}-old-key` });
    await t.domain.apiKeys.revoke({ id: revokedA.apiKey.id, merchantId: a });
    const ingest = (token: string, event: Record<string, unknown>) =>
      fetch(t.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: 'mutation($e: PaymentEventInput!) { ingestPaymentEvent(event: $e) { status } }', variables: { e: event } }),
      }).then((r) => r.json());
    const common = { provider: 'mpesa', currency: 'KES', paymentMethod: 'MOBILE_MONEY', customerId: 'cust-shared', walletId: 'w_shared', reference: 'ref-shared' };
    const aToken = aHeaders.authorization!.slice(7);
    for (const [i, type] of ['PAYMENT_PENDING', 'PAYMENT_COMPLETED'].entries()) {
      expect(await ingest(aToken, { ...common, eventId: `${MARKER}-evt-${i}`, type, amountMinor: '4242', productId: `${MARKER}-product`, productName: `${MARKER}-product-name`, metadata: { note: `${MARKER}-meta` } })).toMatchObject({ data: { ingestPaymentEvent: { status: 'INGESTED' } } });
    }
    // B has a wallet and a reference of the same names (its own data carries no marker).
    for (const [i, type] of ['PAYMENT_PENDING', 'PAYMENT_COMPLETED'].entries()) {
      expect(await ingest(bToken, { ...common, eventId: `b-evt-${i}`, type, amountMinor: '99' })).toMatchObject({ data: { ingestPaymentEvent: { status: 'INGESTED' } } });
    }
    const order = await gqlA('mutation($i: CreateOrderInput!) { createOrder(input: $i) { id } }', {
      i: { customerId: 'cust-shared', currency: 'KES', items: [{ name: `${MARKER}-item`, quantity: 1, unitPriceMinor: '4242' }] },
    });
    await gqlA('mutation { setProviderWebhookSecret(provider: "paystack", secret: "whsec_0123456789abcdef0123456789abcdef") { provider } }');
    const ids = await gqlA('query($o: ID!) { order(id: $o) { id } wallet(id: "w_shared") { id } paymentEvents(first: 5) { edges { node { id } } } }', { o: order.createOrder.id });

    targets = {
      merchantId: a,
      orderId: order.createOrder.id,
      walletId: 'w_shared',
      reference: 'ref-shared',
      staffUserId: staffA,
      apiKeyId: keyA.apiKey.id,
      globalIds: [ids.order.id, ids.wallet.id, ...ids.paymentEvents.edges.map((e: { node: { id: string } }) => e.node.id)],
      notificationIds: [],
    };
    const bKey = await t.domain.apiKeys.create({ merchantId: b, name: 'b-key' });
    callers = [
      { name: 'nobody', headers: {}, anonymous: true },
      { name: 'malformed token', headers: { authorization: 'Bearer not-a-token' }, anonymous: true },
      { name: "A's expired token", headers: { authorization: `Bearer ${await signJwt(claims(t.config.auth, { sub: staffA, merchant_id: a, iat: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 3600 }))}` }, anonymous: true },
      { name: "A's revoked API key", headers: { 'x-api-key': revokedA.secret }, anonymous: true },
      { name: "B's staff", headers: { authorization: `Bearer ${bToken}` }, anonymous: false },
      { name: "B's API key", headers: { 'x-api-key': bKey.secret }, anonymous: false },
      { name: "B's vendor", headers: { authorization: `Bearer ${await t.token({ sub: `vendor-${b}`, role: 'vendor', merchantId: b })}` }, anonymous: false },
      { name: "B's customer named like A's", headers: { authorization: `Bearer ${await t.token({ sub: 'cust-shared', role: 'customer', merchantId: b })}` }, anonymous: false },
    ];
    before = await snapshotOfA();
  });
  afterAll(() => t?.stop());

  const failures: string[] = [];
  beforeEach(() => void (failures.length = 0));
  const check = (what: string, ok: boolean, detail: () => string) => {
    if (!ok) failures.push(`${what}: ${detail().slice(0, 600)}`);
  };

  it('refuses every query and mutation to callers without a valid credential, on every transport', async () => {
    for (const transport of TRANSPORTS)
      for (const caller of callers.filter((c) => c.anonymous))
        for (const op of [...operations('query', targets), ...operations('mutation', targets)]) {
          if (op.label === 'Mutation.providerWebhook') continue; // authenticated by the provider's signature, below
          const o = await run(transport, caller, op);
          const what = `${transport} ${caller.name} ${op.label}`;
          check(what, !hasData(o), () => `data: ${JSON.stringify(o.results)}`);
          check(what, o.refused !== undefined ? /401|4403|UNAUTHENTICATED/.test(o.refused) : codes(o).length > 0 && codes(o).every((c) => c === 'UNAUTHENTICATED'), () => `${o.refused ?? ''} ${JSON.stringify(codes(o))}`);
        }
    expect(failures).toEqual([]);
  });

  it("never shows merchant B's callers anything of A's, on any transport", async () => {
    for (const transport of TRANSPORTS)
      for (const caller of callers.filter((c) => !c.anonymous))
        for (const op of [...operations('query', targets), ...operations('mutation', targets)]) {
          const o = await run(transport, caller, op);
          check(`${transport} ${caller.name} ${op.label}`, !JSON.stringify(o).includes(MARKER), () => JSON.stringify(o));
        }
    expect(failures).toEqual([]);
  });

  it('leaves everything A can read as it was after all that', async () => {
    const after = await snapshotOfA();
    for (const label of Object.keys(before)) expect(after[label], label).toEqual(before[label]);
  });

  it("streams nothing of A's to B's callers and nothing at all to callers without a valid credential", async () => {
    const ops = operations('subscription', targets);
    const open: Array<{ what: string; outcome: Promise<Outcome> }> = [];
    let stopAll!: () => void;
    const stopped = new Promise<void>((r) => (stopAll = r));
    for (const transport of ['ws', 'sse', 'multipart'] as const)
      for (const caller of callers)
        for (const op of ops) {
          const active = t.pubsub.activeSubscriptions();
          let ended = false;
          const outcome = run(transport, caller, op, { until: stopped }).finally(() => (ended = true));
          open.push({ what: `${transport} ${caller.name} ${op.label}`, outcome });
          // Either the subscription is live on the server or it has been refused.
          await waitUntil(() => ended || t.pubsub.activeSubscriptions() > active, WAIT_MS, () => `subscribe ${transport} ${caller.name} ${op.label}`);
        }
    // A's control subscription, then A's activity: two events, an order change.
    const seen: string[] = [];
    const base = t.pubsub.activeSubscriptions();
    const off = t.wsClient(aHeaders).subscribe(
      { query: 'subscription { paymentEvents { eventId } }' },
      { next: (r) => void seen.push((r.data as { paymentEvents: { eventId: string } }).paymentEvents.eventId), error: () => {}, complete: () => {} },
    );
    await waitUntil(() => t.pubsub.activeSubscriptions() > base, WAIT_MS, () => 'control subscription');
    for (let i = 0; i < 2; i++) {
      const id = `${MARKER}-live-${i}`;
      await waitUntil(
        async () => {
          await gqlA('mutation($e: PaymentEventInput!) { ingestPaymentEvent(event: $e) { status } }', {
            e: { eventId: `${id}-${seen.length}-${randomUUID().slice(0, 4)}`, type: 'PAYMENT_COMPLETED', provider: 'mpesa', currency: 'KES', amountMinor: '4242', customerId: 'cust-shared', walletId: 'w_shared', reference: 'ref-shared', metadata: { note: MARKER } },
          });
          await gqlA('mutation($o: ID!) { updateOrderStatus(orderId: $o, status: PAID) { id } }', { o: targets.orderId }).catch(() => undefined);
          return seen.some((s) => s.startsWith(id));
        },
        WAIT_MS,
        () => 'the control subscription received nothing',
      );
    }
    stopAll();
    off();
    for (const { what, outcome } of open) {
      const o = await outcome;
      const caller = callers.find((c) => what.includes(` ${c.name} `))!;
      check(what, !JSON.stringify(o).includes(MARKER), () => JSON.stringify(o));
      if (caller.anonymous) {
        check(what, !hasData(o), () => `data: ${JSON.stringify(o.results)}`);
        check(what, o.refused !== undefined ? /401|4403|UNAUTHENTICATED/.test(o.refused) : codes(o).length > 0 && codes(o).every((c) => c === 'UNAUTHENTICATED'), () => `${o.refused ?? ''} ${JSON.stringify(codes(o))}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
