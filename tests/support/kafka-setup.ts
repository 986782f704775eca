/**
 * vitest global setup: when KAFKA_BROKERS is not set, makes sure the project's own broker
 * (scripts/kafka/kafka, Apache Kafka from Maven Central) runs on 127.0.0.1:9092 for the Kafka
 * suites, registered for this process; afterwards the registration is released, which stops the
 * broker only if no other run (another npm test, .ci/run, a manual start) still uses it. Where it
 * cannot start (no java or mvn), the Kafka suites skip locally and fail in CI
 * (tests/support/services.ts).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const script = fileURLToPath(new URL('../../scripts/kafka/kafka', import.meta.url));

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  if (process.env.KAFKA_BROKERS) return undefined;
  const user = String(process.pid);
  try {
    await run(script, ['start', '--for', user], { timeout: 300_000 });
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    console.warn(`[kafka] could not start the test broker: ${stderr ?? (error as Error).message}`);
  }
  return async () => {
    await run(script, ['release', user]).catch(() => {});
  };
}
