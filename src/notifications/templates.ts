/**
 * Rendering: amounts per currency exponent, the email (plain text and HTML, every user-supplied
 * value escaped) and the SMS text (kept within a fixed number of segments on purpose).
 */
import { formatMinor } from '../lib/money.js';

/** "KES 1,234.56", "XOF 5,000": exact, from minor units, grouped by thousands. */
export function formatAmount(amountMinor: bigint, currency: string): string {
  const [whole = '', fraction] = formatMinor(amountMinor, currency).split('.');
  const negative = whole.startsWith('-');
  const digits = negative ? whole.slice(1) : whole;
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${currency} ${negative ? '-' : ''}${grouped}${fraction !== undefined ? `.${fraction}` : ''}`;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

const PRIORITY_COLOUR: Record<string, string> = { LOW: '#6b7280', NORMAL: '#2563eb', HIGH: '#d97706', CRITICAL: '#dc2626' };

/** Subject and text are the notification's; the HTML wraps them in a simple layout, escaped. */
export function renderEmail(n: { title: string; body: string; priority: string }): RenderedEmail {
  // Header injection: a subject never carries a line break.
  const subject = n.title.replace(/[\r\n]+/g, ' ').slice(0, 200);
  const paragraphs = n.body
    .split(/\n{2,}/)
    .map((p) => `<p style="margin:0 0 12px">${escapeHtml(p).replace(/\n/g, '<br>')}</p>`)
    .join('');
  const colour = PRIORITY_COLOUR[n.priority] ?? PRIORITY_COLOUR.NORMAL;
  const html =
    '<!doctype html><html><body style="font-family:Arial,sans-serif;color:#111827;background:#f9fafb;padding:24px">' +
    `<div style="max-width:560px;margin:auto;background:#fff;border-top:4px solid ${colour};padding:24px">` +
    `<h1 style="font-size:18px;margin:0 0 16px">${escapeHtml(subject)}</h1>${paragraphs}` +
    '<p style="font-size:12px;color:#6b7280;margin:24px 0 0">paypulse · change which notifications you receive in your notification settings.</p>' +
    '</div></body></html>';
  return { subject, text: `${subject}\n\n${n.body}`, html };
}

// GSM 03.38: the basic set (1 septet each) and the extension table (2 septets each).
const GSM_BASIC = new Set(
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà",
);
const GSM_EXTENDED = new Set('^{}\\[~]|€\f');

/** At most this many segments per SMS: longer texts are cut, on purpose, with an ellipsis. */
export const MAX_SMS_SEGMENTS = 3;

export interface RenderedSms {
  text: string;
  encoding: 'GSM-7' | 'UCS-2';
  segments: number;
}

/** Septets for GSM-7 text, or undefined when a character needs UCS-2. */
function gsmLength(text: string): number | undefined {
  let length = 0;
  for (const c of text) {
    if (GSM_BASIC.has(c)) length += 1;
    else if (GSM_EXTENDED.has(c)) length += 2;
    else return undefined;
  }
  return length;
}

function segmentsFor(units: number, single: number, multi: number): number {
  return units <= single ? 1 : Math.ceil(units / multi);
}

/**
 * The SMS text: "<title>: <body>". GSM-7 when every character allows it (160 per message, 153 per
 * segment when split), otherwise UCS-2 (70 / 67 UTF-16 units). Longer than MAX_SMS_SEGMENTS
 * segments is cut at a character boundary and ended with "...".
 */
export function renderSms(n: { title: string; body: string }): RenderedSms {
  const full = `${n.title}: ${n.body}`.replace(/\s+/g, ' ').trim();
  const gsm = gsmLength(full);
  const [single, multi] = gsm !== undefined ? [160, 153] : [70, 67];
  const measure = (t: string) => (gsm !== undefined ? gsmLength(t)! : t.length);
  const encoding = gsm !== undefined ? 'GSM-7' : 'UCS-2';
  if (measure(full) <= MAX_SMS_SEGMENTS * multi || measure(full) <= single) {
    return { text: full, encoding, segments: segmentsFor(measure(full), single, multi) };
  }
  const budget = MAX_SMS_SEGMENTS * multi - 3;
  let cut = '';
  for (const c of full) {
    if (measure(cut + c) > budget) break;
    cut += c;
  }
  const text = `${cut.trimEnd()}...`;
  return { text, encoding, segments: segmentsFor(measure(text), single, multi) };
}
