/** GET /metrics: Prometheus text from this instance's registry, with refusals and ingest outcomes counted. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventInput } from '../support/events.js';
import { IngestOne } from '../support/operations.js';
import { sample } from '../support/metrics.js';
import { newMerchant } from '../support/tenants.js';

describe('GET /metrics', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ mode: 'embedded', env: { MAX_BODY_BYTES: '10000' } });
  });
  afterAll(() => t?.stop());

  it('serves the Prometheus text format with process metrics', async () => {
    const res = await fetch(new URL('/metrics', t.url));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('# TYPE paypulse_refusals_total counter');
    expect(text).toContain('paypulse_process_cpu_user_seconds_total');
  });

  it('counts ingest outcomes and refusals', async () => {
    const m = await newMerchant(t);
    const before = await sample(t, 'paypulse_ingested_events_total{status="ingested"}');
    const event = eventInput();
    await t.gql(IngestOne, { event }, { token: m.token });
    await t.gql(IngestOne, { event }, { token: m.token });
    expect(await sample(t, 'paypulse_ingested_events_total{status="ingested"}')).toBe(before + 1);
    expect(await sample(t, 'paypulse_ingested_events_total{status="duplicate"}')).toBeGreaterThanOrEqual(1);

    expect(await sample(t, 'paypulse_graphql_operations_total{type="mutation",outcome="ok"}')).toBeGreaterThanOrEqual(2);
    const failedBefore = await sample(t, 'paypulse_graphql_operations_total{type="query",outcome="error"}');
    await t.post({ query: '{ merchant { id } }' });
    expect(await sample(t, 'paypulse_graphql_operations_total{type="query",outcome="error"}')).toBe(failedBefore + 1);

    const refusedBefore = await sample(t, 'paypulse_refusals_total{reason="PAYLOAD_TOO_LARGE"}');
    const res = await t.post('x'.repeat(20_000), { token: m.token });
    expect(res.status).toBe(413);
    expect(await sample(t, 'paypulse_refusals_total{reason="PAYLOAD_TOO_LARGE"}')).toBe(refusedBefore + 1);
  });

  it('tracks open sockets', async () => {
    const m = await newMerchant(t);
    const client = t.wsClient({ authorization: `Bearer ${m.token}` });
    await new Promise<void>((resolve, reject) => {
      client.on('connected', () => resolve());
      client.subscribe({ query: '{ __typename }' }, { next: () => {}, error: reject, complete: () => {} });
    });
    expect(await sample(t, 'paypulse_ws_sockets')).toBe(1);
    await client.dispose();
    await expect.poll(() => sample(t, 'paypulse_ws_sockets')).toBe(0);
  });

  it('times each phase over HTTP and WebSocket, with no series for an operation name the caller chose', async () => {
    const m = await newMerchant(t);
    const executed = () => sample(t, 'graphql_envelop_phase_execute_count{operationType="query"}');
    const parsed = (type: string) => sample(t, `graphql_envelop_phase_parse_count{operationType="${type}"}`);
    const [executedBefore, parsedBefore] = [await executed(), await parsed('query')];
    const chosen = `Chosen_${Date.now().toString(36)}`;
    const res = await t.post({ query: `query ${chosen} { __typename }`, operationName: chosen }, { token: m.token });
    expect(res.status).toBe(200);
    expect(await executed()).toBe(executedBefore + 1);
    expect(await parsed('query')).toBe(parsedBefore + 1);

    const subscriptionsParsed = await parsed('subscription');
    const client = t.wsClient({ authorization: `Bearer ${m.token}` });
    const stream = client.iterate({ query: `subscription ${chosen}Live { paymentEvents { cursor } }` });
    // iterate() subscribes on the first next(); nothing is published, so it stays pending.
    void stream.next();
    await expect.poll(() => parsed('subscription')).toBe(subscriptionsParsed + 1);
    await stream.return?.();
    await client.dispose();

    const text = await (await fetch(new URL('/metrics', t.url))).text();
    expect(text).toContain('# TYPE graphql_envelop_phase_validate histogram');
    expect(text).toContain('# TYPE graphql_yoga_http_duration histogram');
    expect(text).not.toContain(chosen);
  });
});
