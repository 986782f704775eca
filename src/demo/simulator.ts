/**
 * Demo traffic: realistic payment lifecycles through the real ingest pipeline, so a subscription
 * in GraphiQL moves at once. Each payment goes initiated → processing → completed (about 90%)
 * or failed; about 5% of completed payments are refunded later.
 */
import { randomUUID } from 'node:crypto';
import type { IngestPipeline } from '../ingest/pipeline.js';
import type { Logger } from '../lib/logger.js';
import type { PaymentEventType, PaymentMethod } from '../payments/types.js';

interface Rail {
  provider: string;
  currency: string;
  method: PaymentMethod;
  /** Typical amount range in minor units. */
  min: number;
  max: number;
}

const RAILS: Rail[] = [
  { provider: 'mpesa', currency: 'KES', method: 'mobile_money', min: 5_000, max: 2_500_000 },
  { provider: 'paystack', currency: 'NGN', method: 'card', min: 50_000, max: 50_000_000 },
  { provider: 'paystack', currency: 'GHS', method: 'bank_transfer', min: 1_000, max: 500_000 },
  { provider: 'flutterwave', currency: 'NGN', method: 'ussd', min: 20_000, max: 10_000_000 },
  { provider: 'flutterwave', currency: 'GHS', method: 'card', min: 1_000, max: 300_000 },
  { provider: 'mtn_momo', currency: 'XOF', method: 'mobile_money', min: 500, max: 500_000 },
  { provider: 'mtn_momo', currency: 'GHS', method: 'mobile_money', min: 500, max: 200_000 },
];
const PRODUCTS = [
  ['prod-airtime', 'Airtime bundle'],
  ['prod-ticket', 'Festival ticket'],
  ['prod-meal', 'Food stall meal'],
  ['prod-premium', 'Premium package'],
  ['prod-transport', 'Bus fare'],
] as const;

interface InFlight {
  step: 'initiated' | 'processing' | 'completed';
  base: Record<string, unknown>;
}

export interface Simulator {
  start(): void;
  stop(): Promise<void>;
}

export function createSimulator(deps: { pipeline: IngestPipeline; merchantId: string; intervalMs: number; logger: Logger }): Simulator {
  const inFlight: InFlight[] = [];
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)] as T;
  const amountIn = (r: Rail) => BigInt(Math.round((r.min + Math.random() * (r.max - r.min)) / 100) * 100);

  function event(base: Record<string, unknown>, type: PaymentEventType) {
    return { ...base, eventId: `demo-${randomUUID()}`, type, occurredAt: new Date() };
  }

  function tick() {
    const batch: Record<string, unknown>[] = [];
    // Start one or two new payments.
    for (let i = 0; i < 1 + Math.floor(Math.random() * 2); i++) {
      const rail = pick(RAILS);
      const [productId, productName] = pick(PRODUCTS);
      const amountMinor = amountIn(rail);
      const base = {
        provider: rail.provider,
        currency: rail.currency,
        paymentMethod: rail.method,
        amountMinor,
        feeMinor: (amountMinor * 15n) / 1000n,
        customerId: `cust-${1 + Math.floor(Math.random() * 40)}`,
        productId,
        productName,
        reference: `${rail.provider.toUpperCase()}-${randomUUID().slice(0, 8)}`,
      };
      batch.push(event(base, 'payment.initiated'));
      inFlight.push({ step: 'initiated', base });
    }
    // Move the payments already in flight one step on.
    for (const p of inFlight.splice(0, inFlight.length)) {
      if (p.step === 'initiated') {
        batch.push(event(p.base, 'payment.processing'));
        inFlight.push({ step: 'processing', base: p.base });
      } else if (p.step === 'processing') {
        const failed = Math.random() < 0.1;
        batch.push(event(p.base, failed ? 'payment.failed' : 'payment.completed'));
        if (!failed && Math.random() < 0.05) inFlight.push({ step: 'completed', base: p.base });
      } else {
        batch.push(event(p.base, 'refund.processed'));
      }
    }
    running = deps.pipeline
      .ingest(batch, { source: 'demo', merchantId: deps.merchantId })
      .catch((error) => deps.logger.warn({ err: error }, 'demo ingest failed'));
  }

  return {
    start() {
      timer ??= setInterval(tick, deps.intervalMs);
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
