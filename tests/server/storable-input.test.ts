/**
 * The storable-text check walks a document's arguments once (per schema and document) and
 * checks each request's variables and literals against that walk: a verdict never carries over
 * from one request's variables to another's, and literals deep in input objects are still found.
 */
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../../src/schema/index.js';
import { findUnstorableArgument } from '../../src/server/plugins/storable-input.js';

describe('findUnstorableArgument', () => {
  const document = parse('mutation M($i: CreateOrderInput!, $id: ID!) { createOrder(input: $i) { id } revokeApiKey(id: $id) { id } }');
  const order = (customerId: string, name = 'Tea') => ({ customerId, currency: 'KES', items: [{ name, quantity: 1, unitPriceMinor: '100' }] });

  it('judges every request by its own variables, on the same parsed document', () => {
    const verdicts = [
      findUnstorableArgument(schema, document, { i: order('c1'), id: 'o1' }),
      findUnstorableArgument(schema, document, { i: order('c\u00001'), id: 'o1' }),
      findUnstorableArgument(schema, document, { i: order('c1'), id: 'o1' }),
      findUnstorableArgument(schema, document, { i: order('c1', 'T\ud800'), id: 'o1' }),
      findUnstorableArgument(schema, document, { i: order('c1'), id: 'o\u00001' }),
    ];
    expect(verdicts).toEqual([undefined, 'input.customerId', undefined, 'input.items[0].name', 'id']);
  });

  it('finds literals in input objects and lists, and reports the first argument in document order', () => {
    const literal = parse('mutation { createOrder(input: { customerId: "ok", currency: "KES", items: [{ name: "a", quantity: 1, unitPriceMinor: "1" }, { name: "b\\u0000", quantity: 1, unitPriceMinor: "1" }] }) { id } revokeApiKey(id: "x\\u0000") { id } }');
    expect(findUnstorableArgument(schema, literal, undefined)).toBe('input.items[1].name');
    expect(findUnstorableArgument(schema, parse('{ wallet(id: "w\\u0000") { id } }'), undefined)).toBe('id');
    expect(findUnstorableArgument(schema, parse('{ wallet(id: "w") { id } }'), undefined)).toBeUndefined();
  });
});
