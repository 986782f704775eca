import { Kind, type ValueNode } from 'graphql';
import { MAX_MINOR } from '../lib/money.js';
import { builder } from './builder.js';
import { clientError, ErrorCode } from './errors.js';

const MIN_BIGINT = -MAX_MINOR - 1n;

function parseBigInt(value: unknown): bigint {
  if (typeof value === 'bigint') return checkRange(value);
  if (typeof value === 'number' && Number.isSafeInteger(value)) return checkRange(BigInt(value));
  if (typeof value === 'string' && /^-?\d{1,20}$/.test(value)) return checkRange(BigInt(value));
  throw clientError(ErrorCode.BadUserInput, 'BigInt must be an integer, given as a string of digits or an Int (no fractions, no exponent)');
}

function checkRange(value: bigint): bigint {
  if (value > MAX_MINOR || value < MIN_BIGINT) throw clientError(ErrorCode.BadUserInput, 'BigInt is out of the 64-bit range');
  return value;
}

builder.scalarType('BigInt', {
  description:
    'An integer serialised as a string of digits so no JSON client loses precision. Inputs are 64-bit (a string or an Int); sums in answers may be larger (docs/analytics.md, "Range rules"). Money amounts are BigInt minor units.',
  serialize: (value) => value.toString(),
  parseValue: parseBigInt,
  parseLiteral: (ast: ValueNode) => {
    if (ast.kind === Kind.STRING || ast.kind === Kind.INT) return parseBigInt(ast.kind === Kind.INT ? ast.value : ast.value);
    throw clientError(ErrorCode.BadUserInput, 'BigInt must be a string of digits or an Int');
  },
});

builder.scalarType('DateTime', {
  description: 'An ISO 8601 timestamp with a time zone offset, e.g. 2026-11-22T10:00:00Z.',
  serialize: (value) => value.toISOString(),
  parseValue: (value) => parseDate(value),
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw clientError(ErrorCode.BadUserInput, 'DateTime must be a string');
    return parseDate(ast.value);
  },
});

function parseDate(value: unknown): Date {
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) {
    const d = new Date(value);
    if (!Number.isNaN(d.getTime())) return d;
  }
  throw clientError(ErrorCode.BadUserInput, 'DateTime must be an ISO 8601 timestamp with an offset');
}

builder.scalarType('JSON', {
  description: 'Arbitrary JSON (event metadata).',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast) => literalToJson(ast),
});

function literalToJson(ast: ValueNode): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return ast.values.map(literalToJson);
    case Kind.OBJECT:
      return Object.fromEntries(ast.fields.map((f) => [f.name.value, literalToJson(f.value)]));
    default:
      throw clientError(ErrorCode.BadUserInput, 'JSON literals cannot contain variables');
  }
}
