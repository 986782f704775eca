/**
 * A start-up check that failed: the process cannot run as configured. main() prints
 * `paypulse cannot start: <part>: <message>` on one line and exits with EX_CONFIG (78), as it does
 * for a bad environment variable, so a supervisor can tell "fix the configuration or the
 * environment" from a crash.
 */
export const EXIT_CONFIG = 78;

/** The parts checked at start, in the order they are checked (docs: README "Start-up"). */
export type StartupPart = 'config' | 'port' | 'database' | 'redis' | 'kafka' | 'rabbitmq' | 'migrations';

export class StartupError extends Error {
  override name = 'StartupError';
  constructor(
    readonly part: StartupPart,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** The one line main() prints. */
  line(): string {
    return `paypulse cannot start: ${this.part}: ${this.message}`;
  }
}

/** The short reason of a connection failure: its code (ECONNREFUSED, ENOTFOUND…) or its message. */
export function reasonOf(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown; errors?: unknown };
  // AggregateError from net.connect to a host with several addresses (::1 and 127.0.0.1).
  if (Array.isArray(e.errors) && e.errors.length > 0) return reasonOf(e.errors[0]);
  if (typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code)) return e.code;
  return typeof e.message === 'string' && e.message !== '' ? e.message : String(error);
}

/** A URL as it may be printed: the password replaced with `***`. */
export function printableUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = '***';
    return url.toString().replace(/\/$/, '');
  } catch {
    return '(unparseable URL)';
  }
}
