/** Fresh merchants for tests, and which services each mode needs. */
import { randomUUID } from 'node:crypto';
import type { Mode, TestApp } from './app.js';
import type { Service } from './services.js';

export const NEEDS: Record<Mode, Service[]> = { embedded: [], services: ['postgres', 'redis'] };

export interface TestMerchant {
  id: string;
  token: string;
}

/** A fresh merchant, unique per test, so tests in one app never see each other's events or keys. */
export async function newMerchant(t: TestApp): Promise<TestMerchant> {
  const id = `m_${randomUUID().slice(0, 8)}`;
  await t.createMerchant(id);
  return { id, token: await t.merchantToken(id) };
}
