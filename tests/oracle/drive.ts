/**
 * Drives one stream through the real server (GraphQL only) and compares every answer with the
 * model: ingest outcomes, DAILY and HOURLY buckets, dashboardOverview, paymentMethods(days),
 * topProducts, customers, wallets, myWallets, paymentStatus and transferStatus.
 */
import fc from 'fast-check';
import type { TestApp } from '../support/app.js';
import * as model from './model.js';
import type { RawEvent } from './model.js';
import * as S from './server.js';
import { CURRENCIES, MAX_AMOUNT, batchesOf, type Plan } from './streams.js';

const inRange = (e: RawEvent) => e.amountMinor <= MAX_AMOUNT && e.feeMinor <= MAX_AMOUNT;

/**
 * Sends the events as the plan says. Returns the events the server reports stored (the model is
 * computed on those, so one refused batch does not hide every other difference) and the ingest
 * mismatches: a valid item not stored, an out-of-range item stored, a redelivery not DUPLICATE.
 */
export async function sendStream(t: TestApp, tenant: S.Tenant, events: readonly RawEvent[], plan: Plan): Promise<{ stored: RawEvent[]; problems: string[] }> {
  const { batches, concurrentWithNext, redeliveries } = batchesOf(events, plan);
  const problems: string[] = [];
  const stored = new Map<string, RawEvent>();
  let sent = 0;
  const send = async (label: string, batch: RawEvent[], redelivery: boolean) => {
    const expected = batch.map((e): S.Expected => (!inRange(e) ? { status: 'REJECTED', code: 'AMOUNT_OUT_OF_RANGE' } : redelivery ? { status: 'DUPLICATE' } : { status: 'INGESTED' }));
    const via = plan.via.length ? plan.via[sent++ % plan.via.length]! : 'typed';
    const a =
      via === 'typed'
        ? await S.ask(t, S.Q.ingest, { events: batch.map(S.toInput) }, tenant.auth)
        : await S.ask(t, S.Q.envelopes, { envelopes: batch.map((e) => S.toEnvelope(e, via === 'v1' ? 1 : 2)) }, tenant.auth);
    problems.push(...checkIngest(`${label} (${via})`, batch, expected, a));
    const payload = a.data?.ingestPaymentEvents ?? a.data?.ingestEnvelopes;
    const results = new Map<number, string>(((payload?.results ?? []) as { index: number; status: string }[]).map((r) => [r.index, r.status]));
    batch.forEach((e, i) => {
      if (results.get(i) === 'INGESTED') stored.set(e.eventId, e);
    });
  };
  for (let i = 0; i < batches.length; i++) {
    if (concurrentWithNext[i]) {
      await Promise.all([send(`batch ${i}`, batches[i]!, false), send(`batch ${i + 1}`, batches[i + 1]!, false)]);
      i++;
    } else await send(`batch ${i}`, batches[i]!, false);
  }
  if (redeliveries.length > 0) await send('redelivery', redeliveries, true);
  return { stored: [...stored.values()], problems };
}

export function checkIngest(label: string, batch: readonly RawEvent[], expected: readonly S.Expected[], a: S.Answer): string[] {
  if (a.errors?.length || !a.data) return [`${label}: the whole batch of ${batch.length} failed (HTTP ${a.status}): ${JSON.stringify(a.errors).slice(0, 400)}`];
  const r = a.data.ingestPaymentEvents ?? a.data.ingestEnvelopes;
  const out: string[] = [];
  const byIndex = new Map<number, string>((r.results as { index: number; status: string }[]).map((x) => [x.index, x.status]));
  const errs = r.errors as { index: number; field: string; code: string }[];
  expected.forEach((want, i) => {
    const got = byIndex.get(i);
    const codes = errs.filter((x) => x.index === i).map((x) => `${x.field}:${x.code}`);
    if (got !== want.status) out.push(`${label}[${i}] ${batch[i]!.eventId} (amount ${batch[i]!.amountMinor}, fee ${batch[i]!.feeMinor}): status model=${want.status} server=${got} ${codes.join(' ')}`);
    else if (want.code && !errs.some((x) => x.index === i && x.code === want.code)) out.push(`${label}[${i}] ${batch[i]!.eventId}: error code model=${want.code} server=${codes.join(' ') || '(none)'}`);
  });
  const count = (s: string) => expected.filter((x) => x.status === s).length;
  for (const [field, s] of [['ingested', 'INGESTED'], ['duplicates', 'DUPLICATE'], ['rejected', 'REJECTED']] as const) {
    if (r[field] !== count(s)) out.push(`${label}: ${field} model=${count(s)} server=${r[field]}`);
  }
  return out;
}

export interface CheckOptions {
  /** analytics(from, to): a range covering every event. */
  from: number;
  to: number;
  /** paymentMethods(days) and topProducts(days). */
  days: number;
  /** A small limit for topProducts and customers besides the full lists (limit 100). */
  limit: number;
  /** Reference indices and wallet ids to ask about (besides the ones in the events). */
  references: string[];
  walletIds: string[];
  /** Users whose myWallets to read (with the merchant claim). */
  owners: string[];
  /** HOURLY from this instant (a whole UTC hour) when `from` is more than 744 hours before `to`. */
  hourlyFrom?: number;
  /** Track only `references` (not every reference of the stream: for streams of thousands). */
  trackOnlyListed?: boolean;
}

/** Everything the docs define for one merchant, compared field by field; returns the mismatch lines. */
export async function checkAll(t: TestApp, tenant: S.Tenant, stored: readonly RawEvent[], o: CheckOptions): Promise<string[]> {
  const problems: string[] = [];
  const tz = tenant.timezone;
  const auth = tenant.auth;
  const safe = async (label: string, f: () => Promise<void>) => {
    try {
      await f();
    } catch (error) {
      problems.push(`${label}: ${(error as Error).message.slice(0, 500)}`);
    }
  };

  await safe('analytics DAILY', async () => {
    const d = await S.must(t, 'analytics DAILY', S.Q.analytics, { from: new Date(o.from).toISOString(), to: new Date(o.to).toISOString(), g: 'DAILY' }, auth);
    S.diff('DAILY', S.bucketsView(model.dailyBuckets(stored, tz), false), S.serverBucketsView(d.analytics, false, problems, 'DAILY'), problems);
  });
  await safe('analytics HOURLY', async () => {
    const from = o.hourlyFrom ?? o.from;
    const d = await S.must(t, 'analytics HOURLY', S.Q.analytics, { from: new Date(from).toISOString(), to: new Date(o.to).toISOString(), g: 'HOURLY' }, auth);
    const want = model.hourlyBuckets(stored).filter((b) => Number(b.bucket) >= model.utcHour(from) && Number(b.bucket) <= o.to);
    S.diff('HOURLY', S.bucketsView(want, true), S.serverBucketsView(d.analytics, true, problems, 'HOURLY'), problems);
  });

  // Everything relative to "today" is computed with the server's own today (dashboardOverview),
  // read before and after; if a local midnight passed in between, the whole set is read again.
  for (let attempt = 0; ; attempt++) {
    const lines: string[] = [];
    const before = await S.ask(t, S.Q.overview, {}, auth);
    const today: string | undefined = before.data?.dashboardOverview?.today;
    const now = Date.now();
    if (!today) {
      problems.push(`dashboardOverview failed (HTTP ${before.status}): ${JSON.stringify(before.errors).slice(0, 400)}`);
      break;
    }
    if (today !== model.localDay(now, tz) && today !== model.localDay(now - 60_000, tz)) lines.push(`dashboardOverview.today: model=${model.localDay(now, tz)} server=${today}`);
    const ov = before.data.dashboardOverview;
    S.diff('dashboardOverview', { merchantId: tenant.id, timezone: tz }, { merchantId: ov.merchantId, timezone: ov.timezone }, lines);
    S.diff('dashboardOverview.currencies', S.overviewView(model.dashboardOverview(stored, tz, today)), S.serverOverviewView(ov.currencies), lines);

    const run = async (label: string, f: () => Promise<void>) => {
      try {
        await f();
      } catch (error) {
        lines.push(`${label}: ${(error as Error).message.slice(0, 500)}`);
      }
    };
    await run('paymentMethods', async () => {
      const d = await S.must(t, 'paymentMethods', S.Q.methods, { days: o.days }, auth);
      S.diff(`paymentMethods(days: ${o.days})`, S.methodsView(model.paymentMethods(stored, tz, today, o.days)), S.serverMethodsView(d.paymentMethods), lines);
    });
    const currencies = [...CURRENCIES];
    for (const currency of currencies) {
      await run(`topProducts ${currency}`, async () => {
        const d = await S.must(t, 'topProducts', S.Q.products, { days: o.days, limit: 100, currency }, auth);
        const want = model.topProducts(stored, tz, today, o.days, 100, currency);
        const before = lines.length;
        S.diff(`topProducts(days: ${o.days}, ${currency})`, S.productsView(want, currency), S.serverProductsView(d.topProducts), lines);
        if (lines.slice(before).some((l) => l.includes('.productName'))) lines.push(...explainProductNames(stored));
      });
      await run(`customers ${currency}`, async () => {
        const d = await S.must(t, 'customers', S.Q.customers, { limit: 100, currency }, auth);
        S.diff(`customers(${currency})`, S.customersView(model.customers(stored, tz, today, 100, currency)), S.serverCustomersView(d.customers), lines);
      });
    }
    // The defaults: the merchant's currency (KES) and a small limit.
    await run('topProducts default currency', async () => {
      const d = await S.must(t, 'topProducts', S.Q.products, { days: o.days, limit: o.limit }, auth);
      S.diff(`topProducts(days: ${o.days}, limit: ${o.limit})`, S.productsView(model.topProducts(stored, tz, today, o.days, o.limit, 'KES'), 'KES'), S.serverProductsView(d.topProducts), lines);
    });
    await run('customers default currency', async () => {
      const d = await S.must(t, 'customers', S.Q.customers, { limit: o.limit }, auth);
      S.diff(`customers(limit: ${o.limit})`, S.customersView(model.customers(stored, tz, today, o.limit, 'KES')), S.serverCustomersView(d.customers), lines);
    });
    const after = await S.ask(t, S.Q.overview, {}, auth);
    if (after.data?.dashboardOverview?.today === today || attempt >= 2) {
      problems.push(...lines);
      break;
    }
  }

  await safe('tracking', async () => {
    const refs = [...new Set([...(o.trackOnlyListed ? [] : stored.flatMap((e) => (e.reference ? [e.reference] : []))), ...o.references])].sort();
    for (const reference of refs) {
      for (const kind of ['payment', 'transfer'] as const) {
        const d = await S.must(t, `${kind}Status`, kind === 'payment' ? S.Q.paymentStatus : S.Q.transferStatus, { reference }, auth);
        S.diff(`${kind}Status(${reference})`, S.trackedView(model.tracked(stored, kind, reference), tenant.id), S.serverTrackedView(d[`${kind}Status`]), problems);
      }
    }
  });

  problems.push(...(await checkWallets(t, tenant, stored, o.walletIds, o.owners)));
  return problems;
}

/** wallet(id) for each id (as the merchant), and myWallets for each owner (token with the merchant claim). */
export async function checkWallets(t: TestApp, tenant: S.Tenant, stored: readonly RawEvent[], walletIds: readonly string[], owners: readonly string[]): Promise<string[]> {
  const problems: string[] = [];
  const expected = new Map(model.wallets(stored).map((w) => [w.id, w]));
  const ids = [...new Set([...stored.flatMap((e) => (e.walletId ? [e.walletId] : [])), ...walletIds])].sort();
  for (const id of ids) {
    const a = await S.ask(t, S.Q.wallet, { id }, tenant.auth);
    const want = expected.get(id);
    if (!want) {
      // Not open: a merchant gets FORBIDDEN (ids cannot be probed), never data.
      const codes = S.errorCodes(a);
      if (a.data?.wallet || !codes.includes('FORBIDDEN')) problems.push(`wallet(${id}) [not opened at ${tenant.id}]: model=FORBIDDEN server=${a.data?.wallet ? JSON.stringify(S.serverWalletView(a.data.wallet)) : codes.join(',')}`);
      continue;
    }
    if (!a.data?.wallet) {
      problems.push(`wallet(${id}): model=${JSON.stringify(S.walletView(want, tenant.id))} server error ${S.errorCodes(a).join(',')} ${a.errors?.[0]?.message ?? ''}`, ...explainWallet(stored, id));
      continue;
    }
    const before = problems.length;
    S.diff(`wallet(${id})`, S.walletView(want, tenant.id), S.serverWalletView(a.data.wallet), problems);
    if (problems.length > before) problems.push(...explainWallet(stored, id));
    // Its owner sees the same wallet (a customer token naming the merchant).
    const owner = await S.ask(t, S.Q.wallet, { id }, { token: await t.token({ sub: want.ownerId, role: 'customer', merchantId: tenant.id }) });
    if (!owner.data?.wallet) problems.push(`wallet(${id}) as its owner ${want.ownerId}: server error ${S.errorCodes(owner).join(',')}`);
    else S.diff(`wallet(${id}) as owner`, S.walletView(want, tenant.id), S.serverWalletView(owner.data.wallet), problems);
  }
  for (const owner of owners) {
    const token = await t.token({ sub: owner, role: 'customer', merchantId: tenant.id });
    const a = await S.ask(t, S.Q.myWallets, {}, { token });
    if (!a.data?.myWallets) {
      problems.push(`myWallets(${owner}): ${S.errorCodes(a).join(',')}`);
      continue;
    }
    const want = Object.fromEntries([...expected.values()].filter((w) => w.ownerId === owner).map((w) => [w.id, S.walletView(w, tenant.id)]));
    const got = Object.fromEntries((a.data.myWallets as any[]).map((w) => [`${w.id}`, S.serverWalletView(w)]));
    S.diff(`myWallets(${owner} @${tenant.id})`, want, got, problems);
  }
  return problems;
}

/** A failing stream's one-line summary key: the path with ids and positions blanked. */
const category = (line: string) =>
  line
    .split(/: (?=model=|server|status|error|the whole|ingested|duplicates|rejected)|\.length: /)[0]!
    .replace(/\([^)]*\)/g, '()')
    .replace(/\[\d+\]/g, '[]')
    .replace(/\b(e|w|c|R|m_)[\w-]*\d\b/g, '$1…')
    .replace(/\.(\d{4}-\d\d-\d\d|\d{4}-\d\d-\d\dT[\d:.]+Z) [A-Z]{3}/g, '.<bucket>')
    .replace(/batch \d+/g, 'batch');

/**
 * Runs a stream property. Normally fast-check stops at the first failing stream (endOnFailure,
 * no shrinking: each run drives a server) and prints its seed, path and counterexample. With
 * ORACLE_KEEP_GOING=1 every stream runs and the failure lists how many streams failed on each
 * kind of field, then the first failing streams in full.
 */
export async function assertStreams(property: (record: (label: string, problems: string[]) => void) => fc.IAsyncPropertyWithHooks<any>, params: fc.Parameters<unknown>): Promise<void> {
  const keepGoing = process.env.ORACLE_KEEP_GOING === '1';
  const failed: { label: string; problems: string[] }[] = [];
  const record = (label: string, problems: string[]) => {
    if (problems.length === 0) return;
    if (!keepGoing) S.report(label, problems);
    failed.push({ label, problems });
  };
  await fc.assert(property(record), params);
  if (failed.length === 0) return;
  const counts = new Map<string, number>();
  for (const f of failed) for (const c of new Set(f.problems.filter((l) => !/^(\S+ )?\s/.test(l)).map(category))) counts.set(c, (counts.get(c) ?? 0) + 1);
  const table = [...counts].sort((a, b) => b[1] - a[1]).map(([c, k]) => `${String(k).padStart(4)} stream(s): ${c}`);
  throw new Error(
    `${failed.length} of ${params.numRuns} streams differ from the model.\n${table.join('\n')}\n\n` +
      failed
        .slice(0, 3)
        .map((f) => `${f.label}:\n  ${f.problems.slice(0, 25).join('\n  ')}`)
        .join('\n\n'),
  );
}

const brief = (e: RawEvent) =>
  `${e.eventId} ${e.type} ${e.amountMinor} ${e.currency} ${new Date(e.occurredAt).toISOString()}${e.reference ? ` ref ${e.reference}` : ''}${e.walletId ? ` wallet ${e.walletId}` : ''}${e.customerId ? ` customer ${e.customerId}` : ''}`;

/** Why the model says what it says about one wallet: its opening event and every deposit or transfer that names it. */
export function explainWallet(stored: readonly RawEvent[], id: string): string[] {
  const open = model.openWallets(stored).get(id);
  const lines = [`  why (model): wallet ${id} ${open ? `opened by ${open.openedBy} (owner ${open.ownerId}, ${open.currency})` : 'not open'}`];
  for (const c of model.contributions(stored).filter((c) => c.walletId === id)) {
    lines.push(`    ${c.kind} ${c.key} ${c.currency}: ${c.status} available ${c.available} pending ${c.pending}${c.applied ? '' : ' (not applied)'}`);
    const events = stored.filter((e) => model.paymentKeyOf(e).key === c.key && e.currency === c.currency && (c.kind === 'deposit') === !e.type.startsWith('transfer.')).sort(model.eventOrder);
    for (const e of events) lines.push(`      ${brief(e)}`);
  }
  return lines;
}

/** Why the model names each product as it does: its payments, most recent first, with the name each carries. */
export function explainProductNames(stored: readonly RawEvent[]): string[] {
  const lines = ['  why (model): product names = the productName of the most recent payment carrying one (the name on the event its productId came from)'];
  const payments = model.derivePayments(stored).filter((p) => p.productId !== undefined).sort((a, b) => -model.paymentOrder(a, b));
  for (const p of payments) {
    const named = p.events.filter((e) => e.productId !== undefined || e.productName !== undefined).map((e) => `${e.eventId}@${new Date(e.occurredAt).toISOString()} ${e.productId ?? '-'}/${e.productName ?? '-'}`);
    lines.push(`    ${p.productId} payment ${p.key} ${p.currency} start ${new Date(p.start).toISOString()}: carries ${p.productName ?? '(none)'}; events ${named.join(', ')}`);
  }
  return lines;
}
