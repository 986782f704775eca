import type { PrismaClient } from '../db/client.js';
import type { Merchant } from '../generated/prisma/client.js';
import { isCurrency } from '../lib/currency.js';

export type { Merchant };

export interface NewMerchant {
  id?: string | null;
  name: string;
  timezone?: string | null;
  defaultCurrency?: string | null;
}

export class MerchantInputError extends Error {
  override name = 'MerchantInputError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export interface MerchantService {
  get(id: string): Promise<Merchant | undefined>;
  /** Creates a merchant; throws MerchantInputError for a bad id, timezone or currency. */
  create(input: NewMerchant): Promise<Merchant>;
  /** Creates the merchant if it does not exist yet; never changes an existing one. */
  ensure(input: NewMerchant & { id: string }): Promise<Merchant>;
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export function createMerchantService(prisma: PrismaClient): MerchantService {
  function validate(input: NewMerchant) {
    const id = input.id ?? `m_${crypto.randomUUID().replaceAll('-', '').slice(0, 16)}`;
    if (!/^[A-Za-z0-9_-]{2,64}$/.test(id)) throw new MerchantInputError('id', 'id must be 2-64 letters, digits, _ or -');
    const name = input.name.trim();
    if (name.length === 0 || name.length > 200) throw new MerchantInputError('name', 'name must be 1-200 characters');
    const timezone = input.timezone ?? 'UTC';
    if (!isTimeZone(timezone)) throw new MerchantInputError('timezone', `${timezone} is not an IANA time zone`);
    const defaultCurrency = input.defaultCurrency ?? 'KES';
    if (!isCurrency(defaultCurrency)) throw new MerchantInputError('defaultCurrency', `${defaultCurrency} is not an ISO 4217 currency`);
    return { id, name, timezone, defaultCurrency };
  }
  return {
    async get(id) {
      return (await prisma.merchant.findUnique({ where: { id } })) ?? undefined;
    },
    async create(input) {
      const data = validate(input);
      if (await prisma.merchant.findUnique({ where: { id: data.id } })) throw new MerchantInputError('id', `merchant ${data.id} already exists`);
      return prisma.merchant.create({ data });
    },
    async ensure(input) {
      const data = validate(input);
      return prisma.merchant.upsert({ where: { id: data.id }, create: data, update: {} });
    },
  };
}
