/**
 * GraphiQL, served from the package: `@graphql-yoga/render-graphiql` inlines the whole GraphiQL
 * build (scripts, styles, Monaco workers) into the page, so nothing is fetched from a CDN and it
 * works on a machine without internet.
 *
 * Subscriptions use Yoga's SSE transport: GraphiQL sends the Headers tab with every request,
 * subscriptions included, so a subscription is authenticated exactly like a query. (Over
 * graphql-ws, GraphiQL would send an empty `connection_init` and the server would close 4403: its
 * Headers tab never reaches the socket.)
 */
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import type { GraphiQLOptions } from 'graphql-yoga';

/** The README's subscription ("Try it in GraphiQL"): the first tab. A test keeps the two in step. */
export const README_SUBSCRIPTION = /* GraphQL */ `subscription Live {
  paymentEvents(filter: { types: [PAYMENT_COMPLETED, PAYMENT_FAILED], currencies: ["KES", "NGN", "GHS"] }) {
    cursor eventId type provider amount { amount currency }
  }
}`;

/** The README's mutation, posted "in a second tab": the second tab. */
export const README_MUTATION = /* GraphQL */ `mutation {
  ingestPaymentEvent(event: {
    eventId: "evt-1", type: PAYMENT_COMPLETED, provider: "mpesa",
    paymentMethod: MOBILE_MONEY, amountMinor: "150000", currency: "KES"
  }) { status event { cursor amount { amount currency } } }
}`;

const hint = (preset: boolean) =>
  `${preset ? "# The Headers panel (below) holds the demo merchant's token." : '# Headers (below): paste {"Authorization": "Bearer <token>"} from the start-up output.'}
# Run this, then run the second tab's mutation in another browser tab: the event arrives here.
`;

export interface GraphiQLSettings {
  /** The Headers tab's initial content, e.g. the demo merchant's token in embedded mode. */
  headers: () => Record<string, string> | undefined;
}

/** GraphiQL options for one page load: the README's two documents, the headers pre-filled when there are any. */
export function graphiqlOptions(settings: GraphiQLSettings): GraphiQLOptions {
  const preset = settings.headers();
  const headers = JSON.stringify(preset ?? { Authorization: 'Bearer <token>' }, null, 2);
  return {
    title: 'paypulse',
    subscriptionsProtocol: 'SSE',
    headers,
    defaultHeaders: headers,
    defaultQuery: `${hint(!!preset)}\n${README_SUBSCRIPTION}\n`,
    defaultTabs: [
      { query: `${hint(!!preset)}\n${README_SUBSCRIPTION}\n`, headers },
      { query: `${README_MUTATION}\n`, headers },
    ],
    shouldPersistHeaders: true,
  };
}

/**
 * Renders the page. It is about 9 MB (the whole GraphiQL build inline), so the last rendering is
 * kept and reused while the options stay the same.
 */
export function createGraphiQLRenderer(): (options?: GraphiQLOptions) => string {
  let last: { key: string; html: string } | undefined;
  return (options) => {
    const key = JSON.stringify(options ?? {});
    if (last?.key !== key) last = { key, html: renderGraphiQL(options) };
    return last.html;
  };
}
