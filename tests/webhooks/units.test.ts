/** The pieces under the webhook endpoints, without a server: verifier, exact JSON numbers, sealing. */
import { describe, expect, it } from 'vitest';
import { parseJsonKeepingNumbers } from '../../src/lib/exact-json.js';
import { maskText } from '../../src/lib/mask.js';
import { createSecretBox } from '../../src/lib/secret-box.js';
import { WebhookRefusal } from '../../src/webhooks/refusal.js';
import { signStandard, verifyStandard } from '../../src/webhooks/standard.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const INPUT = { webhookId: 'msg_p5jXN8AQM9LWM0D4loKWxJek', webhookTimestamp: '1614265330', payload: '{"test": 2432232314}' };

function codeOf(run: () => void): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return (error as WebhookRefusal).code;
  }
}

describe('Standard Webhooks verifier', () => {
  it("matches the specification's published test vector", () => {
    expect(signStandard(SECRET, INPUT.webhookId, INPUT.webhookTimestamp, INPUT.payload)).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('accepts exactly 300 s either side and refuses 301 s', () => {
    const signature = signStandard(SECRET, INPUT.webhookId, INPUT.webhookTimestamp, INPUT.payload);
    const at = (now: number) => codeOf(() => verifyStandard(SECRET, { ...INPUT, signature }, { toleranceSeconds: 300, nowSeconds: now }));
    expect([at(1614265330 + 300), at(1614265330 - 300)]).toEqual([undefined, undefined]);
    expect([at(1614265330 + 301), at(1614265330 - 301)]).toEqual(['WEBHOOK_TIMESTAMP_OUT_OF_RANGE', 'WEBHOOK_TIMESTAMP_OUT_OF_RANGE']);
  });

  it('refuses a non-whsec secret, a non-numeric timestamp and a signature of another version', () => {
    const signature = signStandard(SECRET, INPUT.webhookId, INPUT.webhookTimestamp, INPUT.payload);
    const opts = { toleranceSeconds: 300, nowSeconds: 1614265330 };
    expect(codeOf(() => verifyStandard('plain-secret', { ...INPUT, signature }, opts))).toBe('WEBHOOK_SIGNATURE_INVALID');
    expect(codeOf(() => verifyStandard(SECRET, { ...INPUT, webhookTimestamp: '1614265330.5', signature }, opts))).toBe('WEBHOOK_SIGNATURE_INVALID');
    expect(codeOf(() => verifyStandard(SECRET, { ...INPUT, signature: signature.replace('v1,', 'v2,') }, opts))).toBe('WEBHOOK_SIGNATURE_INVALID');
  });
});

describe('parseJsonKeepingNumbers', () => {
  it('keeps every number as the exact text sent, strings untouched', () => {
    expect(parseJsonKeepingNumbers('{"a":1500.50,"b":[-0.1,1e3,9007199254740993],"c":"12 \\" 3.5","d":true,"e":null}')).toEqual({
      a: '1500.50', b: ['-0.1', '1e3', '9007199254740993'], c: '12 " 3.5', d: true, e: null,
    });
  });

  it('throws on malformed JSON', () => {
    expect(() => parseJsonKeepingNumbers('{"a": 01}')).toThrow(SyntaxError);
    expect(() => parseJsonKeepingNumbers('{"a": ')).toThrow(SyntaxError);
  });
});

describe('secret box', () => {
  it('opens what it sealed, under its own key only, and refuses altered text', () => {
    const box = createSecretBox('k'.repeat(32));
    const sealed = box.seal('sk_live_abc');
    expect(sealed).not.toContain('sk_live');
    expect(box.open(sealed)).toBe('sk_live_abc');
    expect(() => createSecretBox('j'.repeat(32)).open(sealed)).toThrow();
    const parts = sealed.split('.');
    parts[3] = Buffer.from('sk_live_xyz').toString('base64url');
    expect(() => box.open(parts.join('.'))).toThrow();
  });
});

describe('masking', () => {
  it('masks webhook secrets and Paystack keys in any logged string', () => {
    expect(maskText(`set ${SECRET} and sk_live_4f1c2d9e8b7a`)).toBe('set whsec_*** and sk_live_***');
  });
});
