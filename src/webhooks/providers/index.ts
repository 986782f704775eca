import type { NativeProvider } from '../secrets.js';
import { campay } from './campay.js';
import type { ProviderAdapter } from './common.js';
import { flutterwave } from './flutterwave.js';
import { mpesa } from './mpesa.js';
import { paystack } from './paystack.js';

/** The providers with their own wire format; every other name speaks Standard Webhooks. */
export const ADAPTERS: Record<NativeProvider, ProviderAdapter> = { paystack, flutterwave, mpesa, campay };
