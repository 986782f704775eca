/**
 * The live dashboard: sign-in, KPI tiles (dashboardOverview, kept live by dashboardUpdated), the
 * live feed (paymentEvents with server-side filters, resumed with `after` after any lost
 * connection), charts (paymentActivity, paymentMethods, topProducts) and the CSV export.
 */
import './styles.css';
import { ApiError, createLive, downloadCsv, normaliseSecret, request, type ConnectionStatus, type Credential, type Live } from './api.js';
import { VolumeChart, SuccessRateChart, type TimePoint } from './charts.js';
import { Breakdown, LiveEvents, LiveTotals, Overview, RecentEvents, Viewer } from './documents.js';
import { h, replace } from './dom.js';
import type {
  DashboardBreakdownQuery,
  DashboardTotalsFragment,
  DashboardViewerQuery,
  FeedEventFragment,
  PaymentEventFilter,
  PaymentEventType,
  PaymentMethod,
} from './gql/graphql.js';
import { growth, groupDigits, majorToMinor, percent } from './money.js';

/** Rows the feed keeps: older ones fall off, so hours of traffic stay smooth. */
const FEED_CAP = 500;
/** Rows read back at sign-in and after a filter change. */
const FEED_INITIAL = 100;
const CREDENTIAL_KEY = 'paypulse.dashboard.credential';

const TYPES: PaymentEventType[] = [
  'PAYMENT_INITIATED',
  'PAYMENT_PENDING',
  'PAYMENT_PROCESSING',
  'PAYMENT_COMPLETED',
  'PAYMENT_FAILED',
  'PAYMENT_REFUNDED',
  'REFUND_PROCESSED',
  'TRANSFER_SUCCESS',
  'TRANSFER_FAILED',
];
const METHODS: PaymentMethod[] = ['MOBILE_MONEY', 'CARD', 'BANK_TRANSFER', 'USSD', 'QR', 'WALLET'];
const label = (value: string) => value.toLowerCase().replace(/_/g, ' ');

const app = document.querySelector<HTMLDivElement>('#app')!;

interface Session {
  demo: { merchantId: string; token: string } | null;
}

async function loadSession(): Promise<Session> {
  try {
    const res = await fetch('/dashboard/session.json', { cache: 'no-store' });
    return (await res.json()) as Session;
  } catch {
    return { demo: null };
  }
}

function savedCredential(): Credential | undefined {
  try {
    const saved = JSON.parse(sessionStorage.getItem(CREDENTIAL_KEY) ?? 'null') as Credential | null;
    return saved?.secret ? saved : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Sign-in

function showSignIn(session: Session, message?: string) {
  const secret = h('textarea', { name: 'secret', placeholder: 'eyJhbGciOi… (a JWT) or ppk_… (an API key)', required: true, spellcheck: 'false', autocomplete: 'off' });
  const merchant = h('input', { name: 'merchant', placeholder: 'm_… (admins: the merchant to watch)', spellcheck: 'false' });
  const error = h('p', { class: 'error', role: 'alert' }, message ?? '');
  const submit = async (credential: Credential) => {
    error.textContent = '';
    try {
      const viewer = await request(credential, Viewer, { merchantId: credential.merchantId ?? null });
      sessionStorage.setItem(CREDENTIAL_KEY, JSON.stringify(credential));
      startDashboard(session, credential, viewer);
    } catch (e) {
      error.textContent = e instanceof ApiError ? `${e.message} (${e.code})` : String(e);
    }
  };
  const form = h(
    'form',
    {
      onsubmit: (event: Event) => {
        event.preventDefault();
        void submit({ secret: normaliseSecret(secret.value), merchantId: merchant.value.trim() || undefined });
      },
    },
    h('div', { class: 'brand' }, h('span', { class: 'brand-mark' }), 'paypulse'),
    h('h1', {}, 'Live dashboard'),
    h('p', { class: 'muted' }, 'Sign in with a merchant token or API key. It stays in this browser tab only and travels in headers, never in a URL.'),
    session.demo &&
      h(
        'div',
        { class: 'demo' },
        h('span', {}, 'Embedded mode: the demo merchant ', h('strong', {}, session.demo.merchantId), ' is ready.'),
        h('button', { type: 'button', class: 'primary', 'data-action': 'demo', onclick: () => void submit({ secret: session.demo!.token, merchantId: undefined }) }, 'Use demo merchant'),
      ),
    h('label', {}, 'Token or API key', secret),
    h('label', {}, 'Merchant (admins only)', merchant),
    h('button', { type: 'submit', class: 'primary', 'data-action': 'sign-in' }, 'Sign in'),
    error,
  );
  replace(app, h('div', { class: 'signin' }, form));
}

// ---------------------------------------------------------------------------------------------
// The dashboard

type Viewer = DashboardViewerQuery;
type Totals = DashboardTotalsFragment;

function startDashboard(session: Session, credential: Credential, viewer: Viewer) {
  const merchantId = credential.merchantId ?? null;
  let live: Live | undefined;
  let stopFeed: (() => void) | undefined;
  let stopTotals: (() => void) | undefined;
  let breakdownTimer: ReturnType<typeof setInterval> | undefined;
  let refreshPending: ReturnType<typeof setTimeout> | undefined;
  let minutes = true;

  // --- layout
  const status = h('span', { class: 'status', 'data-status': 'connecting', role: 'status' }, 'connecting');
  const signOut = () => {
    stopFeed?.();
    stopTotals?.();
    live?.dispose();
    clearInterval(breakdownTimer);
    sessionStorage.removeItem(CREDENTIAL_KEY);
    showSignIn(session);
  };
  const topbar = h(
    'header',
    { class: 'topbar' },
    h('div', { class: 'brand' }, h('span', { class: 'brand-mark' }), 'paypulse'),
    h('span', { class: 'merchant' }, 'Merchant ', h('strong', { 'data-merchant': viewer.merchant.id }, viewer.merchant.name), ` · ${viewer.merchant.id} · ${viewer.merchant.timezone}`),
    h('span', { class: 'spacer' }),
    status,
    h('span', { class: 'muted' }, `${viewer.me.role.toLowerCase()} · ${viewer.me.kind === 'API_KEY' ? 'API key' : 'token'}`),
    h('button', { class: 'ghost', 'data-action': 'sign-out', onclick: signOut }, 'Sign out'),
  );

  const kpis = h('section', { class: 'kpis', 'aria-label': 'Today' });
  const currencies = h('div', { class: 'currencies' });
  const volumeEl = h('div', { class: 'chart', 'data-chart': 'volume' });
  const rateEl = h('div', { class: 'chart', 'data-chart': 'success-rate' });
  const providersEl = h('div', { class: 'bars', 'data-panel': 'providers' });
  const methodsEl = h('div', { class: 'bars', 'data-panel': 'methods' });
  const productsEl = h('div', { 'data-panel': 'products' });
  const feedBody = h('tbody', { class: 'feed' });
  const feedNote = h('span', { class: 'note', 'data-feed-count': '0' });
  const exportNote = h('span', { class: 'note', role: 'status' });

  const granularity = h(
    'span',
    { class: 'seg', role: 'group', 'aria-label': 'Granularity' },
    h('button', { 'aria-pressed': 'true', 'data-granularity': 'minute', onclick: () => setGranularity(true) }, 'Per minute · 60 min'),
    h('button', { 'aria-pressed': 'false', 'data-granularity': 'hour', onclick: () => setGranularity(false) }, 'Per hour · 24 h'),
  );

  // Filters (server-side: the subscription and the initial page use the same filter).
  const fType = h('select', { name: 'type' }, h('option', { value: '' }, 'All types'), ...TYPES.map((t) => h('option', { value: t }, label(t))));
  const fProvider = h('input', { name: 'provider', placeholder: 'any', list: 'providers', spellcheck: 'false' });
  const fCurrency = h('input', { name: 'currency', class: 'short', placeholder: 'any', maxlength: 3, spellcheck: 'false' });
  const fMethod = h('select', { name: 'method' }, h('option', { value: '' }, 'All methods'), ...METHODS.map((m) => h('option', { value: m }, label(m))));
  const fMin = h('input', { name: 'min', class: 'short', placeholder: '0.00', inputmode: 'decimal' });
  const fCustomer = h('input', { name: 'customer', placeholder: 'any', spellcheck: 'false' });
  const filterError = h('span', { class: 'error', role: 'alert' });
  const providerList = h('datalist', { id: 'providers' });
  const today = localDate(new Date());
  const exFrom = h('input', { type: 'date', name: 'from', value: today });
  const exTo = h('input', { type: 'date', name: 'to', value: today });

  let filter: PaymentEventFilter = {};
  const readFilter = (): PaymentEventFilter | undefined => {
    const currency = fCurrency.value.trim().toUpperCase();
    const min = fMin.value.trim();
    let minAmountMinor: string | undefined;
    if (min) {
      if (!currency) return void (filterError.textContent = 'A minimum amount needs a currency.');
      minAmountMinor = majorToMinor(min, currency);
      if (minAmountMinor === undefined) return void (filterError.textContent = `${min} is not an amount in ${currency}.`);
    }
    filterError.textContent = '';
    return {
      ...(merchantId ? { merchantId } : {}),
      ...(fType.value ? { types: [fType.value as PaymentEventType] } : {}),
      ...(fProvider.value.trim() ? { providers: [fProvider.value.trim().toLowerCase()] } : {}),
      ...(currency ? { currencies: [currency] } : {}),
      ...(fMethod.value ? { paymentMethods: [fMethod.value as PaymentMethod] } : {}),
      ...(minAmountMinor ? { minAmountMinor } : {}),
      ...(fCustomer.value.trim() ? { customerId: fCustomer.value.trim() } : {}),
    };
  };

  const filters = h(
    'form',
    {
      class: 'filters',
      'data-form': 'filters',
      onsubmit: (event: Event) => {
        event.preventDefault();
        const next = readFilter();
        if (next) void restartFeed(next);
      },
    },
    h('label', {}, 'Type', fType),
    h('label', {}, 'Provider', fProvider, providerList),
    h('label', {}, 'Currency', fCurrency),
    h('label', {}, 'Method', fMethod),
    h('label', {}, 'Min amount', fMin),
    h('label', {}, 'Customer', fCustomer),
    h('button', { type: 'submit', class: 'primary', 'data-action': 'apply-filters' }, 'Apply'),
    h(
      'button',
      {
        type: 'button',
        class: 'secondary',
        'data-action': 'clear-filters',
        onclick: () => {
          for (const input of [fProvider, fCurrency, fMin, fCustomer]) input.value = '';
          fType.value = '';
          fMethod.value = '';
          void restartFeed(readFilter()!);
        },
      },
      'Clear',
    ),
    filterError,
  );

  const exportBox = h(
    'div',
    { class: 'export' },
    h('label', {}, 'From', exFrom),
    h('label', {}, 'To (inclusive)', exTo),
    h(
      'button',
      {
        class: 'secondary',
        'data-action': 'export',
        onclick: async () => {
          exportNote.textContent = 'Exporting…';
          try {
            const params = exportParams(filter, exFrom.value, exTo.value, merchantId);
            const { bytes, name } = await downloadCsv(credential, params);
            exportNote.textContent = `Saved ${name} (${bytes.toLocaleString()} bytes).`;
          } catch (e) {
            exportNote.textContent = e instanceof ApiError ? `${e.message} (${e.code})` : String(e);
          }
        },
      },
      'Export CSV',
    ),
    h('span', { class: 'note' }, 'Every event matching the filters, days in your browser’s timezone, streamed by the server.'),
    exportNote,
  );

  replace(
    app,
    topbar,
    h(
      'main',
      {},
      kpis,
      h('section', { class: 'panel' }, h('h2', {}, 'Today per currency', h('span', { class: 'right muted' }, 'exact amounts, vs yesterday')), currencies),
      h(
        'section',
        { class: 'grid-2' },
        h(
          'div',
          { class: 'panel' },
          h('h2', {}, 'Volume', h('span', { class: 'right' }, granularity)),
          volumeEl,
          h('div', { class: 'legend' }, h('span', {}, h('i', { class: 'lg-completed' }), 'completed'), h('span', {}, h('i', { class: 'lg-failed' }), 'failed'), h('span', {}, h('i', { class: 'lg-events' }), 'all events')),
        ),
        h('div', { class: 'panel' }, h('h2', {}, 'Success rate', h('span', { class: 'right muted' }, 'completed ÷ (completed + failed)')), rateEl),
      ),
      h(
        'section',
        { class: 'grid-3' },
        h('div', { class: 'panel' }, h('h2', {}, 'Providers', h('span', { class: 'right muted', 'data-range': 'providers' }, '')), providersEl),
        h('div', { class: 'panel' }, h('h2', {}, 'Payment methods', h('span', { class: 'right muted' }, 'last 7 days')), methodsEl),
        h('div', { class: 'panel' }, h('h2', {}, 'Top products', h('span', { class: 'right muted' }, 'last 7 days')), productsEl),
      ),
      h(
        'section',
        { class: 'panel' },
        h('h2', {}, 'Live feed', h('span', { class: 'right' }, feedNote)),
        filters,
        h(
          'div',
          { class: 'feed-wrap' },
          h(
            'table',
            {},
            h(
              'thead',
              {},
              h('tr', {}, ...['Time', 'Type', 'Provider', 'Method', 'Amount', 'Customer', 'Product', 'Reference', 'Cursor'].map((c) => h('th', { class: c === 'Amount' || c === 'Cursor' ? 'right' : undefined }, c))),
            ),
            feedBody,
          ),
        ),
        exportBox,
      ),
    ),
  );
  for (const [cls, color] of [
    ['lg-completed', '#0f9d58'],
    ['lg-failed', '#d93025'],
    ['lg-events', '#94a3b8'],
  ] as const) {
    const swatch = app.querySelector<HTMLElement>(`.${cls}`);
    if (swatch) swatch.style.background = color;
  }

  const volume = new VolumeChart(volumeEl);
  const rate = new SuccessRateChart(rateEl);

  // --- KPI tiles: the overview once, then today's totals from dashboardUpdated.
  let yesterday = new Map<string, Totals>();
  let todayTotals = new Map<string, Totals>();
  const renderKpis = () => {
    const all = [...todayTotals.values()];
    const sum = (list: Totals[], key: 'transactions' | 'succeeded' | 'failed' | 'refunded') => list.reduce((n, t) => n + t[key], 0);
    const y = [...yesterday.values()];
    const tx = sum(all, 'transactions');
    const tile = (name: string, kpi: string, value: string, sub: Node | string) =>
      h('div', { class: 'tile', 'data-kpi': kpi }, h('div', { class: 'label' }, name), h('div', { class: 'value num', 'data-value': '' }, value), h('div', { class: 'sub' }, sub));
    replace(
      kpis,
      tile('Transactions today', 'transactions', tx.toLocaleString(), delta(growth(BigInt(tx), BigInt(sum(y, 'transactions'))), 'vs yesterday')),
      tile('Success rate', 'success-rate', percent(sum(all, 'succeeded'), tx), `${sum(all, 'succeeded').toLocaleString()} succeeded`),
      tile('Failed', 'failed', sum(all, 'failed').toLocaleString(), `${percent(sum(all, 'failed'), tx)} of today’s payments`),
      tile('Refunded', 'refunded', sum(all, 'refunded').toLocaleString(), `${all.length} currenc${all.length === 1 ? 'y' : 'ies'}`),
    );
    const codes = [...new Set([...todayTotals.keys(), ...yesterday.keys()])].sort();
    if (codes.length === 0) return replace(currencies, h('p', { class: 'empty' }, 'No payments yet today.'));
    replace(
      currencies,
      ...codes.map((code) => {
        const t = todayTotals.get(code);
        const before = yesterday.get(code);
        const money = (m: { amount: string } | undefined) => `${groupDigits(m?.amount ?? '0')} ${code}`;
        return h(
          'div',
          { class: 'currency', 'data-currency': code },
          h('span', { class: 'code' }, code),
          h(
            'dl',
            {},
            h('dt', {}, 'Gross'),
            h('dd', { class: 'num', 'data-field': 'gross' }, money(t?.gross)),
            h('dt', {}, 'Net'),
            h('dd', { class: 'num', 'data-field': 'net' }, money(t?.net)),
            h('dt', {}, 'Fees'),
            h('dd', { class: 'num' }, money(t?.fees)),
            h('dt', {}, 'Payments'),
            h('dd', { class: 'num' }, `${(t?.transactions ?? 0).toLocaleString()} · ${percent(t?.succeeded ?? 0, t?.transactions ?? 0)} ok`),
            h('dt', {}, 'Gross vs yesterday'),
            h('dd', {}, delta(growth(BigInt(t?.gross.amountMinor ?? '0'), BigInt(before?.gross.amountMinor ?? '0')), '')),
          ),
        );
      }),
    );
  };

  // --- feed
  const rows: FeedEventFragment[] = [];
  let lastCursor: bigint | undefined;
  const providersSeen = new Set<string>();
  const emptyRow = h('tr', { class: 'empty-row' }, h('td', { colspan: 9, class: 'empty' }, 'No events match yet: they appear here the moment they are stored.'));
  const pending: FeedEventFragment[] = [];
  let frame = 0;
  /** Rows read back at (re)start are not highlighted; live ones flash once. */
  let highlight = false;
  const flush = () => {
    frame = 0;
    const fresh = pending.splice(0).sort((a, b) => (BigInt(a.cursor) < BigInt(b.cursor) ? 1 : -1));
    const nodes = fresh.map((e) => feedRow(e, highlight));
    if (nodes.length > 0) emptyRow.remove();
    feedBody.prepend(...nodes);
    rows.unshift(...fresh);
    while (rows.length > FEED_CAP) {
      rows.pop();
      feedBody.lastElementChild?.remove();
    }
    updateFeedNote();
  };
  const updateFeedNote = () => {
    if (rows.length === 0 && !emptyRow.isConnected) feedBody.append(emptyRow);
    if (rows.length > 0) emptyRow.remove();
    feedNote.textContent = `${rows.length.toLocaleString()} shown${rows.length >= FEED_CAP ? ` (newest ${FEED_CAP})` : ''} · newest first`;
    feedNote.dataset.feedCount = String(rows.length);
  };
  const accept = (event: FeedEventFragment) => {
    const cursor = BigInt(event.cursor);
    // The server resumes after our cursor with no duplicate; this guard keeps the page exact even
    // if a retry raced a late delivery.
    if (lastCursor !== undefined && cursor <= lastCursor) return;
    lastCursor = cursor;
    if (!providersSeen.has(event.provider)) {
      providersSeen.add(event.provider);
      providerList.append(h('option', { value: event.provider }));
    }
    pending.push(event);
    if (!frame) frame = requestAnimationFrame(flush);
  };

  async function restartFeed(next: PaymentEventFilter) {
    stopFeed?.();
    filter = next;
    rows.length = 0;
    pending.length = 0;
    feedBody.replaceChildren();
    updateFeedNote();
    lastCursor = undefined;
    highlight = false;
    try {
      const page = await request(credential, RecentEvents, { filter, first: FEED_INITIAL });
      const events = page.paymentEvents.edges.map((e) => e.node);
      // Oldest first through the same path as live events; the newest sets the resume cursor.
      for (const event of events.reverse()) accept(event);
      // With nothing matching yet, "after 0" still starts exactly where the page ended.
      lastCursor ??= 0n;
      flush();
      highlight = true;
    } catch (e) {
      return fatal(e);
    }
    stopFeed = live!.subscribe(
      LiveEvents,
      () => ({ filter, after: lastCursor?.toString() ?? null }),
      (data) => accept(data.paymentEvents),
      fatal,
    );
  }

  // --- charts and breakdowns
  const refreshBreakdown = async () => {
    const now = new Date();
    const to = new Date(Math.ceil((now.getTime() + 1) / 60_000) * 60_000);
    const from = new Date(to.getTime() - (minutes ? 60 * 60_000 : 24 * 3_600_000));
    try {
      const data = await request(credential, Breakdown, {
        merchantId,
        from: from.toISOString(),
        to: to.toISOString(),
        granularity: minutes ? 'MINUTE' : 'HOUR',
        days: 7,
      });
      renderBreakdown(data, minutes ? 'last 60 min' : 'last 24 h');
    } catch (e) {
      if (e instanceof ApiError && (e.code === 'UNAUTHENTICATED' || e.code === 'FORBIDDEN')) fatal(e);
    }
  };
  const scheduleRefresh = () => {
    // dashboardUpdated comes at most four times a second; the breakdown follows within 3 s.
    refreshPending ??= setTimeout(() => {
      refreshPending = undefined;
      void refreshBreakdown();
    }, 3_000);
  };
  const renderBreakdown = (data: DashboardBreakdownQuery, range: string) => {
    const points: TimePoint[] = data.paymentActivity.buckets.map((b) => ({ t: Date.parse(b.start) / 1000, events: b.events, completed: b.completed, failed: b.failed }));
    volume.update(points, minutes);
    rate.update(points, minutes);
    const rangeLabel = app.querySelector<HTMLElement>('[data-range="providers"]');
    if (rangeLabel) rangeLabel.textContent = range;
    const providers = data.paymentActivity.providers;
    const most = Math.max(1, ...providers.map((p) => p.events));
    const total = providers.reduce((n, p) => n + p.events, 0);
    if (providers.length === 0) replace(providersEl, h('p', { class: 'empty' }, `No events in the ${range}.`));
    else
      replace(
        providersEl,
        ...providers.flatMap((p) => [
          barRow(p.provider, p.events / most, `${percent(p.events, total)} · ${percent(p.completed, p.completed + p.failed)} ok`, { 'data-provider': p.provider }),
          h('div', { class: 'bar-detail num' }, p.completedAmount.length ? p.completedAmount.map((m) => `${groupDigits(m.amount)} ${m.currency}`).join(' · ') : 'nothing completed'),
        ]),
      );
    // The busiest six method × currency pairs; the rest are counted, not drawn.
    const methods = [...data.paymentMethods].sort((a, b) => b.transactions - a.transactions);
    const shown = methods.slice(0, 6);
    const mostTx = Math.max(1, ...shown.map((m) => m.transactions));
    if (methods.length === 0) replace(methodsEl, h('p', { class: 'empty' }, 'No payments in the last 7 days.'));
    else
      replace(
        methodsEl,
        ...shown.flatMap((m) => [
          barRow(`${label(m.paymentMethod)} · ${m.currency}`, m.transactions / mostTx, `${m.share ?? 0}% of ${m.currency} · ${m.successRate ?? 0}% ok`, { 'data-method': m.paymentMethod }),
          h('div', { class: 'bar-detail num' }, `${m.transactions.toLocaleString()} payments · ${groupDigits(m.gross.amount)} ${m.gross.currency}`),
        ]),
        methods.length > shown.length && h('p', { class: 'note' }, `and ${methods.length - shown.length} more method × currency pairs`),
      );
    if (data.topProducts.length === 0) replace(productsEl, h('p', { class: 'empty' }, 'No products sold in the last 7 days.'));
    else
      replace(
        productsEl,
        h(
          'table',
          {},
          h('thead', {}, h('tr', {}, h('th', {}, 'Product'), h('th', { class: 'right' }, 'Sold'), h('th', { class: 'right' }, 'Revenue'))),
          h(
            'tbody',
            {},
            ...data.topProducts.map((p) =>
              h('tr', {}, h('td', {}, p.productName ?? p.productId), h('td', { class: 'right num' }, p.sold.toLocaleString()), h('td', { class: 'right num' }, `${groupDigits(p.revenue.amount)} ${p.revenue.currency}`)),
            ),
          ),
        ),
      );
  };
  const setGranularity = (perMinute: boolean) => {
    minutes = perMinute;
    for (const b of granularity.querySelectorAll('button')) b.setAttribute('aria-pressed', String((b.dataset.granularity === 'minute') === perMinute));
    void refreshBreakdown();
  };

  // --- errors that need the user: back to sign-in with the reason.
  let failed = false;
  function fatal(error: unknown) {
    if (failed) return;
    failed = true;
    stopFeed?.();
    stopTotals?.();
    live?.dispose();
    clearInterval(breakdownTimer);
    sessionStorage.removeItem(CREDENTIAL_KEY);
    showSignIn(session, error instanceof ApiError ? `${error.message} (${error.code})` : String(error));
  }

  const setStatus = (s: ConnectionStatus) => {
    status.dataset.status = s;
    status.textContent = s;
  };

  // --- start
  live = createLive(credential, setStatus);
  void (async () => {
    try {
      const overview = await request(credential, Overview, { merchantId });
      yesterday = new Map(overview.dashboardOverview.currencies.map((c) => [c.currency, c.yesterday]));
      todayTotals = new Map(overview.dashboardOverview.currencies.filter((c) => c.today.transactions > 0 || c.yesterday.transactions > 0).map((c) => [c.currency, c.today]));
      renderKpis();
    } catch (e) {
      return fatal(e);
    }
    stopTotals = live!.subscribe(
      LiveTotals,
      () => ({ merchantId }),
      (data) => {
        for (const t of data.dashboardUpdated.today) todayTotals.set(t.currency, t);
        renderKpis();
        scheduleRefresh();
      },
      fatal,
    );
    await restartFeed(readFilter() ?? {});
    await refreshBreakdown();
    // The time window moves even when nothing happens.
    breakdownTimer = setInterval(() => void refreshBreakdown(), 30_000);
  })();
}

function delta(text: string | null, suffix: string): HTMLElement {
  if (text === null) return h('span', { class: 'muted' }, `no comparison ${suffix}`.trim());
  const cls = text.startsWith('+') ? 'delta up' : text.startsWith('−') ? 'delta down' : 'delta';
  return h('span', {}, h('span', { class: cls }, text), suffix ? ` ${suffix}` : '');
}

function barRow(name: string, share: number, meta: string, attrs: Record<string, string>): HTMLElement {
  const fill = h('div', { class: 'bar-fill' });
  // CSSOM, not a style attribute: the page's CSP refuses inline style markup.
  requestAnimationFrame(() => (fill.style.width = `${Math.max(2, Math.round(share * 100))}%`));
  return h('div', { class: 'bar-row', ...attrs }, h('span', { class: 'name' }, name), h('div', { class: 'bar-track' }, fill), h('span', { class: 'meta num' }, meta));
}

const TYPE_CLASS: Partial<Record<PaymentEventType, string>> = {
  PAYMENT_COMPLETED: 'ok',
  TRANSFER_SUCCESS: 'ok',
  PAYMENT_FAILED: 'bad',
  TRANSFER_FAILED: 'bad',
  PAYMENT_REFUNDED: 'warn',
  REFUND_PROCESSED: 'warn',
};

function feedRow(e: FeedEventFragment, fresh: boolean): HTMLTableRowElement {
  const at = new Date(e.occurredAt);
  return h(
    'tr',
    { class: fresh ? 'fresh' : undefined, 'data-event-id': e.eventId, 'data-cursor': e.cursor, 'data-provider': e.provider, 'data-type': e.type },
    h('td', { class: 'num', title: e.occurredAt }, at.toLocaleTimeString()),
    h('td', {}, h('span', { class: `badge ${TYPE_CLASS[e.type] ?? ''}` }, label(e.type))),
    h('td', {}, e.provider),
    h('td', {}, e.paymentMethod ? label(e.paymentMethod) : '—'),
    h('td', { class: 'amount num', 'data-amount': e.amount.amount }, `${groupDigits(e.amount.amount)} ${e.amount.currency}`),
    h('td', {}, e.customerId ?? '—'),
    h('td', {}, e.productName ?? '—'),
    h('td', { class: 'muted' }, e.reference ?? '—'),
    h('td', { class: 'right muted num' }, e.cursor),
  );
}

/** YYYY-MM-DD of a date in the browser's timezone. */
function localDate(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** The export's query: the feed's filters, from local midnight of `fromDay` to local midnight after `toDay`. */
function exportParams(filter: PaymentEventFilter, fromDay: string, toDay: string, merchantId: string | null): URLSearchParams {
  const start = new Date(`${fromDay}T00:00:00`);
  const end = new Date(`${toDay}T00:00:00`);
  end.setDate(end.getDate() + 1);
  const params = new URLSearchParams({ from: start.toISOString(), to: end.toISOString() });
  if (merchantId) params.set('merchantId', merchantId);
  if (filter.types?.length) params.set('types', [filter.types].flat().join(','));
  if (filter.providers?.length) params.set('providers', [filter.providers].flat().join(','));
  if (filter.currencies?.length) params.set('currencies', [filter.currencies].flat().join(','));
  if (filter.paymentMethods?.length) params.set('paymentMethods', [filter.paymentMethods].flat().join(','));
  if (filter.minAmountMinor != null) params.set('minAmountMinor', String(filter.minAmountMinor));
  if (filter.customerId) params.set('customerId', filter.customerId);
  return params;
}

// ---------------------------------------------------------------------------------------------

void (async () => {
  const session = await loadSession();
  const saved = savedCredential();
  if (!saved) return showSignIn(session);
  try {
    startDashboard(session, saved, await request(saved, Viewer, { merchantId: saved.merchantId ?? null }));
  } catch (e) {
    sessionStorage.removeItem(CREDENTIAL_KEY);
    showSignIn(session, e instanceof ApiError ? `${e.message} (${e.code})` : undefined);
  }
})();
