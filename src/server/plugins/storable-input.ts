/**
 * Text a client sends in `String` and `ID` arguments (literal or variable, at any depth of an
 * input object or list) must be storable: no NUL character, no lone surrogate (lib/storable.ts).
 * Otherwise the operation is refused with BAD_USER_INPUT before any resolver runs — such text
 * would reach PostgreSQL and come back as a masked INTERNAL_SERVER_ERROR. `JSON` arguments are
 * checked where they are stored, and `PaymentEventInput` per item by the envelope, so one bad
 * item of a batch is refused alone (docs/events.md).
 */
import {
  getNamedType,
  isInputObjectType,
  isListType,
  isNonNullType,
  Kind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
  type ValueNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { isStorable, NOT_STORABLE } from '../../lib/storable.js';
import type { Metrics } from '../../lib/metrics.js';
import { clientError, ErrorCode } from '../../schema/errors.js';

/** Input types validated item by item elsewhere (a refusal here would refuse the whole batch). */
const CHECKED_PER_ITEM: ReadonlySet<string> = new Set(['PaymentEventInput']);
const TEXT_SCALARS: ReadonlySet<string> = new Set(['String', 'ID']);

type Variables = Readonly<Record<string, unknown>>;

/** An argument of the document, with its input type: where text may arrive. */
type ArgumentSite = { value: ValueNode; type: GraphQLInputType; name: string };

/** The document's arguments in document order, found once per schema and document (a TypeInfo walk costs more than the check). */
const sitesBySchema = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, readonly ArgumentSite[]>>();

function argumentSites(schema: GraphQLSchema, document: DocumentNode): readonly ArgumentSite[] {
  let byDocument = sitesBySchema.get(schema);
  if (!byDocument) sitesBySchema.set(schema, (byDocument = new WeakMap()));
  let sites = byDocument.get(document);
  if (sites) return sites;
  const typeInfo = new TypeInfo(schema);
  const found: ArgumentSite[] = [];
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Argument(node) {
        const type = typeInfo.getInputType();
        if (type) found.push({ value: node.value, type, name: node.name.value });
        return false;
      },
    }),
  );
  byDocument.set(document, (sites = found));
  return sites;
}

/** The first argument path holding unstorable text, or undefined. */
export function findUnstorableArgument(schema: GraphQLSchema, document: DocumentNode, variables: Variables | undefined): string | undefined {
  const inValue = (value: unknown, type: GraphQLInputType, path: string): string | undefined => {
    if (value === null || value === undefined) return undefined;
    if (isNonNullType(type)) return inValue(value, type.ofType, path);
    if (isListType(type)) {
      const items = Array.isArray(value) ? value : [value];
      for (const [i, item] of items.entries()) {
        const hit = inValue(item, type.ofType, `${path}[${i}]`);
        if (hit) return hit;
      }
      return undefined;
    }
    if (isInputObjectType(type)) {
      if (CHECKED_PER_ITEM.has(type.name) || typeof value !== 'object') return undefined;
      for (const [name, field] of Object.entries(type.getFields())) {
        const hit = inValue((value as Record<string, unknown>)[name], field.type, `${path}.${name}`);
        if (hit) return hit;
      }
      return undefined;
    }
    return TEXT_SCALARS.has(type.name) && typeof value === 'string' && !isStorable(value) ? path : undefined;
  };
  const inLiteral = (node: ValueNode, type: GraphQLInputType, path: string): string | undefined => {
    if (node.kind === Kind.VARIABLE) return inValue(variables?.[node.name.value], type, path);
    if (isNonNullType(type)) return inLiteral(node, type.ofType, path);
    if (isListType(type)) {
      const items = node.kind === Kind.LIST ? node.values : [node];
      for (const [i, item] of items.entries()) {
        const hit = inLiteral(item, type.ofType, `${path}[${i}]`);
        if (hit) return hit;
      }
      return undefined;
    }
    if (isInputObjectType(type)) {
      if (CHECKED_PER_ITEM.has(type.name) || node.kind !== Kind.OBJECT) return undefined;
      const fields = type.getFields();
      for (const field of node.fields) {
        const def = fields[field.name.value];
        const hit = def ? inLiteral(field.value, def.type, `${path}.${field.name.value}`) : undefined;
        if (hit) return hit;
      }
      return undefined;
    }
    return TEXT_SCALARS.has(getNamedType(type).name) && node.kind === Kind.STRING && !isStorable(node.value) ? path : undefined;
  };
  for (const site of argumentSites(schema, document)) {
    const hit = inLiteral(site.value, site.type, site.name);
    if (hit) return hit;
  }
  return undefined;
}

export function useStorableInput(metrics: Metrics): Plugin {
  const refuse = (path: string) => {
    metrics.refuse(ErrorCode.BadUserInput);
    return { errors: [clientError(ErrorCode.BadUserInput, `argument ${path} ${NOT_STORABLE}`, { argument: path })] };
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const path = findUnstorableArgument(args.schema, args.document, args.variableValues as Variables | undefined);
      if (path) setResultAndStopExecution(refuse(path));
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const path = findUnstorableArgument(args.schema, args.document, args.variableValues as Variables | undefined);
      if (path) setResultAndStopExecution(refuse(path));
    },
  };
}
