/**
 * Cohorts: subscribers that would compute the same results share one execution. Subscribers of
 * one shareable root field with the same document, operation name, variables and scope (the
 * principal's kind, role and merchant: everything these fields' results can depend on) form a
 * cohort with ONE source stream (one pubsub listener) and ONE `execute` per event; every result is
 * handed, as the same object (its data frozen), to each member.
 *
 * Each member keeps what a subscriber of its own would have:
 * - its own bounded queue (SUBSCRIPTION_QUEUE_SIZE): a member that lets that many results pile up
 *   fails alone with the pubsub's overflow error (SLOW_CONSUMER, given its `after` by the edge
 *   guard), while the cohort and its other members carry on;
 * - its own stream to the transport: the edge guard (backpressure, the gauge, presence) and the
 *   lease (revocation, expiry) wrap each member's stream, so ending one member ends no other;
 * - leaving: `return()` on a member removes it; the last member leaving returns the cohort's
 *   source, which unsubscribes from the pubsub.
 *
 * Only the root fields in `shareable` are shared: their resolvers and their types' fields read
 * the caller's scope (merchant, role) and never the caller's identity. Every other field, an
 * operation whose root is not one plain field, and a field given `after` (a replay from the
 * subscriber's own cursor) run per subscriber as before. Fields in `snapshots` stream whole
 * states (the first result is the current one): a member joining a running cohort first gets
 * the cohort's latest result, as its own first result would have been.
 *
 * It is an envelop plugin, so every transport that executes through Yoga (graphql-ws, SSE in
 * both modes, multipart) shares the same cohorts.
 */
import { Kind, print, type DocumentNode, type ExecutionArgs, type ExecutionResult, type OperationDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Principal } from '../auth/principal.js';
import { deepFreeze } from '../lib/deep-freeze.js';
import type { Metrics } from '../lib/metrics.js';

/** Root subscription fields whose results depend only on the document, the variables and the caller's scope. */
export const SHAREABLE_SUBSCRIPTION_FIELDS: ReadonlySet<string> = new Set(['paymentEvents', 'dashboardUpdated', 'orderUpdates']);
/** Shareable fields whose stream starts with the current state: a late member first gets the latest result. */
export const SNAPSHOT_SUBSCRIPTION_FIELDS: ReadonlySet<string> = new Set(['dashboardUpdated']);

export interface CohortOptions {
  metrics: Metrics;
  /** SUBSCRIPTION_QUEUE_SIZE: results one member may leave unread before it fails with `overflowError()`. */
  maxQueued: number;
  /** The error a member's overflow fails with (the pubsub's: counts the refusal, SLOW_CONSUMER). */
  overflowError: () => Error;
  /** @default SHAREABLE_SUBSCRIPTION_FIELDS */
  shareable?: ReadonlySet<string>;
  /** @default SNAPSHOT_SUBSCRIPTION_FIELDS */
  snapshots?: ReadonlySet<string>;
  /**
   * Masks a result before it is shared (src/server/plugins/error-masking.ts): members are not
   * masked one by one.
   * @default the result as it is
   */
  maskResult?: (result: ExecutionResult) => ExecutionResult;
  /**
   * Masks an error the source threw before every member fails with it.
   * @default the error as it is
   */
  maskError?: (error: unknown) => unknown;
}

export type SubscribeResult = AsyncIterableIterator<ExecutionResult> | ExecutionResult;
export type Subscribe = (args: ExecutionArgs) => SubscribeResult | Promise<SubscribeResult>;

export interface Cohorts {
  /** The envelop plugin; put it last, so it wraps whatever `subscribe` the other plugins chose. */
  readonly plugin: Plugin;
  /** Whether the subscription of `args` joins a cohort (and is masked by it). */
  shares(args: ExecutionArgs): boolean;
  /** `subscribe(args)`, joining the cohort of `args` when its root field is shareable. */
  subscribe(args: ExecutionArgs, subscribe: Subscribe): Promise<SubscribeResult> | SubscribeResult;
  /** Cohorts running now. */
  size(): number;
  /** Members of all cohorts now. */
  members(): number;
}

interface DocumentShape {
  text: string;
  /** The root field of each operation (by name; '' for the only one), when it is one plain field not replaying from a literal `after`. */
  roots: Map<string, Root | undefined>;
}

interface Member {
  /** Whether its consumer has asked for a result yet. */
  readonly pulled: boolean;
  /** Hands it a result, as the step every member gets (one object per result, frozen). */
  push(step: Shared): void;
  fail(error: unknown): void;
  end(): void;
  iterator: AsyncIterableIterator<ExecutionResult>;
}

interface Cohort {
  readonly key: string;
  readonly field: string;
  readonly members: Set<Member>;
  /** The source once started (undefined while subscribing, or when subscribing gave a result). */
  source?: AsyncIterator<ExecutionResult>;
  started: Promise<SubscribeResult>;
  latest?: Shared;
  closed: boolean;
  /** The source is pulled from the first member's first pull on (as a subscriber's own would be). */
  pumping: boolean;
  /** Members that have asked for a result. */
  pulling: number;
}

/** A result as the iterator step every member returns: one object for all of them, not one per member. */
type Shared = Readonly<IteratorYieldResult<ExecutionResult>>;

const isAsyncIterable = (value: unknown): value is AsyncIterableIterator<ExecutionResult> =>
  typeof value === 'object' && value !== null && Symbol.asyncIterator in value;

/** A shareable root: one plain field; `after` given as a variable is per subscriber only when set. */
interface Root {
  field: string;
  afterVariable?: string;
}

function rootField(operation: OperationDefinitionNode): Root | undefined {
  if (operation.operation !== 'subscription') return undefined;
  const selections = operation.selectionSet.selections;
  const only = selections.length === 1 ? selections[0] : undefined;
  if (!only || only.kind !== Kind.FIELD || (only.directives?.length ?? 0) > 0) return undefined;
  const after = only.arguments?.find((a) => a.name.value === 'after');
  if (!after || after.value.kind === Kind.NULL) return { field: only.name.value };
  if (after.value.kind === Kind.VARIABLE) {
    const name = after.value.name.value;
    const declared = operation.variableDefinitions?.find((v) => v.variable.name.value === name);
    // A default cursor replays for everyone who leaves the variable out.
    if (declared?.defaultValue && declared.defaultValue.kind !== Kind.NULL) return undefined;
    return { field: only.name.value, afterVariable: name };
  }
  // A replay from the subscriber's own cursor is its own stream.
  return undefined;
}

function shapeOf(document: DocumentNode): DocumentShape {
  const roots = new Map<string, Root | undefined>();
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  for (const operation of operations) roots.set(operation.name?.value ?? '', rootField(operation));
  if (operations.length === 1) roots.set('', rootField(operations[0]!));
  return { text: document.loc?.source.body ?? print(document), roots };
}

/** Everything a shareable field's result can depend on besides the document and variables. */
function scopeOf(principal: Principal | null | undefined): string | undefined {
  if (!principal) return undefined;
  return `${principal.kind}:${principal.role}:${principal.merchantId ?? ''}`;
}

function createMember(maxQueued: number, overflowError: () => Error, leave: (m: Member) => void, pulled: () => void): Member {
  const buffer: Shared[] = [];
  let waiting: { resolve: (r: IteratorResult<ExecutionResult>) => void; reject: (e: unknown) => void } | undefined;
  let failure: { error: unknown } | undefined;
  let ended = false;
  let left = false;
  const quit = () => {
    if (left) return;
    left = true;
    buffer.length = 0;
    leave(member);
  };
  // Plain data properties only: an object literal with a getter is a dictionary-mode object (about
  // 300 bytes more for every member of every cohort).
  const member: { -readonly [K in keyof Member]: Member[K] } = {
    pulled: false,
    push(step) {
      if (left || ended || failure) return;
      if (waiting) {
        const w = waiting;
        waiting = undefined;
        w.resolve(step);
        return;
      }
      if (buffer.length >= maxQueued) return member.fail(overflowError());
      buffer.push(step);
    },
    fail(error) {
      if (left || ended || failure) return;
      // What it held is dropped: the subscriber resumes from its cursor.
      buffer.length = 0;
      quit();
      if (waiting) {
        const w = waiting;
        waiting = undefined;
        w.reject(error);
      } else failure = { error };
    },
    end() {
      if (left || ended) return;
      ended = true;
      if (waiting && buffer.length === 0) {
        const w = waiting;
        waiting = undefined;
        w.resolve({ value: undefined, done: true });
      }
    },
    iterator: {
      next() {
        if (!member.pulled && !left) {
          member.pulled = true;
          pulled();
        }
        if (buffer.length > 0) return Promise.resolve(buffer.shift()!);
        if (failure) {
          const { error } = failure;
          failure = undefined;
          ended = true;
          return Promise.reject(error);
        }
        if (ended || left) {
          quit();
          return Promise.resolve({ value: undefined, done: true });
        }
        return new Promise((resolve, reject) => (waiting = { resolve, reject }));
      },
      async return() {
        ended = true;
        quit();
        const w = waiting;
        waiting = undefined;
        w?.resolve({ value: undefined, done: true });
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    },
  };
  return member;
}

export function createCohorts(options: CohortOptions): Cohorts {
  const { metrics, maxQueued, overflowError, maskResult = (r) => r, maskError = (e) => e } = options;
  const shareable = options.shareable ?? SHAREABLE_SUBSCRIPTION_FIELDS;
  const snapshots = options.snapshots ?? SNAPSHOT_SUBSCRIPTION_FIELDS;
  const cohorts = new Map<string, Cohort>();
  const shapes = new WeakMap<DocumentNode, DocumentShape>();
  let memberCount = 0;

  const shape = (document: DocumentNode) => {
    let known = shapes.get(document);
    if (!known) shapes.set(document, (known = shapeOf(document)));
    return known;
  };

  // One key per subscribe: the masking plugin asks before this plugin joins.
  const keys = new WeakMap<ExecutionArgs, { key: string; field: string } | undefined>();
  function keyOf(args: ExecutionArgs): { key: string; field: string } | undefined {
    if (keys.has(args)) return keys.get(args);
    const key = computeKey(args);
    keys.set(args, key);
    return key;
  }

  function computeKey(args: ExecutionArgs): { key: string; field: string } | undefined {
    const { text, roots } = shape(args.document);
    const root = roots.get(args.operationName ?? '');
    if (!root || !shareable.has(root.field)) return undefined;
    if (root.afterVariable !== undefined && args.variableValues?.[root.afterVariable] != null) return undefined;
    const { field } = root;
    const scope = scopeOf((args.contextValue as { principal?: Principal | null } | undefined)?.principal);
    if (!scope) return undefined;
    const key = [field, scope, args.operationName ?? '', JSON.stringify(args.variableValues ?? {}), text].join('\u0000');
    return { key, field };
  }

  function close(cohort: Cohort) {
    if (cohort.closed) return;
    cohort.closed = true;
    if (cohorts.get(cohort.key) === cohort) cohorts.delete(cohort.key);
    metrics.cohorts.dec();
    // The source of a cohort still subscribing is returned once it has started (below).
    void cohort.source?.return?.()?.catch(() => undefined);
  }

  const leave = (cohort: Cohort) => (member: Member) => {
    if (!cohort.members.delete(member)) return;
    memberCount -= 1;
    if (cohort.members.size === 0) return close(cohort);
    // Members that never asked for a result do not keep a running source alive: a transport that
    // dropped a stream it never read (Yoga answering 406 after subscribing) never returns it.
    if (member.pulled) cohort.pulling -= 1;
    if (cohort.pumping && cohort.pulling === 0) {
      close(cohort);
      for (const m of [...cohort.members]) m.end();
    }
  };

  async function pump(cohort: Cohort, source: AsyncIterator<ExecutionResult>) {
    try {
      for (;;) {
        const step = await source.next();
        if (step.done || cohort.closed) break;
        metrics.cohortExecutions.inc({ field: cohort.field });
        // One object for every member, masked once; its data frozen, so no transport or plugin can change it for the others.
        const result = maskResult(step.value);
        if (result.data) deepFreeze(result.data);
        const shared: Shared = Object.freeze({ value: result, done: false });
        if (snapshots.has(cohort.field)) cohort.latest = shared;
        for (const member of cohort.members) member.push(shared);
      }
      for (const member of [...cohort.members]) member.end();
    } catch (error) {
      const failure = maskError(error);
      for (const member of [...cohort.members]) member.fail(failure);
    } finally {
      // Members joining from now on start a cohort of their own.
      if (cohorts.get(cohort.key) === cohort) cohorts.delete(cohort.key);
    }
  }

  async function join(args: ExecutionArgs, key: string, field: string, subscribe: Subscribe): Promise<SubscribeResult> {
    let cohort = cohorts.get(key);
    if (!cohort) {
      const fresh: Cohort = { key, field, members: new Set(), started: Promise.resolve(undefined as never), closed: false, pumping: false, pulling: 0 };
      cohort = fresh;
      cohorts.set(key, fresh);
      metrics.cohorts.inc();
      fresh.started = (async () => {
        let started: SubscribeResult;
        try {
          started = await subscribe(args);
        } catch (error) {
          close(fresh);
          throw error;
        }
        if (!isAsyncIterable(started)) {
          // A refusal (an error result) is every member's: they share the scope it was decided on.
          close(fresh);
          return started;
        }
        const source = started[Symbol.asyncIterator]();
        fresh.source = source;
        // Everyone left while it was subscribing.
        if (fresh.closed) void source.return?.()?.catch(() => undefined);
        return started;
      })();
    }
    const joined = cohort;
    const pulled = () => {
      joined.pulling += 1;
      if (joined.pumping || joined.closed || !joined.source) return;
      joined.pumping = true;
      void pump(joined, joined.source);
    };
    const member = createMember(maxQueued, overflowError, leave(joined), pulled);
    joined.members.add(member);
    memberCount += 1;
    let started: SubscribeResult;
    try {
      started = await joined.started;
    } catch (error) {
      await member.iterator.return?.();
      throw error;
    }
    if (!isAsyncIterable(started)) {
      await member.iterator.return?.();
      return started;
    }
    if (joined.latest) member.push(joined.latest);
    return member.iterator;
  }

  const plugin: Plugin = {
    onSubscribe({ args, subscribeFn, setSubscribeFn }) {
      const shared = keyOf(args);
      if (!shared) return;
      setSubscribeFn((a) => join(a, shared.key, shared.field, subscribeFn as Subscribe));
    },
  };

  return {
    plugin,
    shares: (args) => keyOf(args) !== undefined,
    subscribe(args, subscribe) {
      const shared = keyOf(args);
      return shared ? join(args, shared.key, shared.field, subscribe) : subscribe(args);
    },
    size: () => cohorts.size,
    members: () => memberCount,
  };
}
