/**
 * Relay: the `Node` interface and `node(id)` / `nodes(ids)`. Types clients cache (PaymentEvent,
 * Order, Wallet, Notification) implement Node with an opaque global `id` (base64 of
 * `<Type>:<key>`); their own keys stay available (`cursor`, `orderId`, `walletId`,
 * `notificationId`) and every argument taking such a key accepts the global id too.
 *
 * Each domain file registers how to load its type for a caller (`registerNode`); the loader
 * returns null for anything the caller may not read, so another merchant's id reads exactly like
 * an unknown one. A malformed id is BAD_USER_INPUT; a well-formed id of a type that is not a node
 * is null, like an unknown one.
 */
import { brandWithType } from '@pothos/core';
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { builder, type GraphQLContext } from './builder.js';
import { clientError, ErrorCode } from './errors.js';

type NodeLoader = (key: string, ctx: GraphQLContext) => Promise<object | null | undefined>;

const loaders = new Map<string, NodeLoader>();
/** At most this many ids in one `nodes` call (each may cost a lookup). */
export const MAX_NODES = 100;

/** Registers the loader of a node type: the object for this caller, or null when it may not read it. */
export function registerNode(typename: string, load: NodeLoader): void {
  loaders.set(typename, load);
}

/** The decoded global id, or undefined when the value is not one. */
export function parseGlobalId(value: string): { typename: string; key: string } | undefined {
  try {
    const { typename, id } = decodeGlobalID(value);
    return encodeGlobalID(typename, id) === value ? { typename, key: id } : undefined;
  } catch {
    return undefined;
  }
}

/** The key an argument names: the key inside a global id of `typename`, or the value itself. */
export function localKey(value: string, typename: string): string {
  const parsed = parseGlobalId(value);
  return parsed?.typename === typename ? parsed.key : value;
}

/** Global ids of compound keys (a wallet is (merchantId, walletId)): a JSON array, so no separator can be forged. */
export const compoundKey = (...parts: string[]) => JSON.stringify(parts);
export function parseCompoundKey(key: string, size: number): string[] | undefined {
  try {
    const parts: unknown = JSON.parse(key);
    return Array.isArray(parts) && parts.length === size && parts.every((p) => typeof p === 'string') ? (parts as string[]) : undefined;
  } catch {
    return undefined;
  }
}

async function load(globalId: string, ctx: GraphQLContext): Promise<object | null> {
  const parsed = parseGlobalId(globalId);
  if (!parsed) throw clientError(ErrorCode.BadUserInput, `${JSON.stringify(globalId.slice(0, 100))} is not a global id from this API`);
  const loader = loaders.get(parsed.typename);
  const node = loader ? await loader(parsed.key, ctx) : null;
  if (!node) return null;
  brandWithType(node, parsed.typename as never);
  return node;
}

const NodeRef = builder.nodeInterfaceRef();

builder.queryFields((t) => ({
  node: t.field({
    type: NodeRef,
    nullable: true,
    description: 'The object with this global id, when the caller may read it; null for an unknown id and for one the caller may not read (they cannot be told apart).',
    authScopes: { authenticated: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => load(String(args.id), ctx) as never,
  }),
  nodes: t.field({
    type: [NodeRef],
    nullable: { list: false, items: true },
    description: `The objects with these global ids, in order (null where \`node\` would be null). At most ${MAX_NODES} ids.`,
    authScopes: { authenticated: true },
    args: { ids: t.arg.idList({ required: true }) },
    resolve: (_root, args, ctx) => {
      if (args.ids.length > MAX_NODES) throw clientError(ErrorCode.BadUserInput, `at most ${MAX_NODES} ids`);
      return Promise.all(args.ids.map((id) => load(String(id), ctx))) as never;
    },
  }),
}));
