import { formatMinor } from '../lib/money.js';
import { builder } from './builder.js';

export interface MoneyShape {
  amountMinor: bigint;
  currency: string;
}

export const Money = builder.objectRef<MoneyShape>('Money').implement({
  description: 'An exact amount: integer minor units of an ISO 4217 currency (never a float).',
  fields: (t) => ({
    amountMinor: t.expose('amountMinor', { type: 'BigInt', description: 'Integer count of minor units, e.g. 12550 for KES 125.50.' }),
    currency: t.exposeString('currency', { description: 'ISO 4217 code.' }),
    amount: t.string({
      description: 'Exact decimal string in major units per the currency exponent, e.g. "125.50" (KES) or "500" (XOF).',
      resolve: (m) => formatMinor(m.amountMinor, m.currency),
    }),
  }),
});
