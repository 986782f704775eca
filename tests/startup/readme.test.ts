/**
 * The README describes this repository (issue #17, case 9): its tests table names every test
 * folder, its layout every source folder, and every variable the configuration reads is in its
 * table and in .env.example. A folder or variable added without its line fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { ENV_VARIABLES } from '../../src/config.js';
import { createSimulator } from '../../src/demo/simulator.js';
import type { IngestPipeline } from '../../src/ingest/pipeline.js';
import { createLogger } from '../../src/lib/logger.js';
import { ROOT } from '../support/main-process.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const ENV_EXAMPLE = readFileSync(join(ROOT, '.env.example'), 'utf8');
const folders = (dir: string) =>
  readdirSync(join(ROOT, dir), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name);

/** The text of the section that starts at `heading`, up to the next heading of the same level. */
function section(heading: string): string {
  const start = README.indexOf(`\n${heading}\n`);
  expect(start, `README has a "${heading}" section`).toBeGreaterThanOrEqual(0);
  const level = heading.split(' ')[0]!;
  const rest = README.slice(start + heading.length + 2);
  const end = rest.search(new RegExp(`\\n${level} `));
  return end < 0 ? rest : rest.slice(0, end);
}

describe('README.md', () => {
  it('has a row in the tests table for every folder under tests/', () => {
    const table = section('## Tests');
    const missing = folders('tests')
      .filter((d) => d !== 'support' && d !== 'generated')
      .filter((d) => !table.includes(`| \`tests/${d}\``) && !table.includes(`, \`tests/${d}\``));
    expect(missing).toEqual([]);
  });

  it('names every folder under src/ in its layout', () => {
    const layout = section('## Layout');
    const missing = folders('src').filter((d) => !new RegExp(`^  ${d}/ `, 'm').test(layout));
    expect(missing).toEqual([]);
  });

  it('documents every configuration variable in its table, and .env.example lists each', () => {
    expect(ENV_VARIABLES.length).toBeGreaterThan(50);
    const configuration = section('## Configuration');
    expect(ENV_VARIABLES.filter((v) => !configuration.includes(`\`${v}\``))).toEqual([]);
    // ENV_FILE chooses the file itself, so .env.example mentions it instead of setting it.
    expect(ENV_VARIABLES.filter((v) => (v === 'ENV_FILE' ? !ENV_EXAMPLE.includes(v) : !new RegExp(`^# ${v}=`, 'm').test(ENV_EXAMPLE)))).toEqual([]);
  });

  it('sets TOKEN from npm run token before the SSE example uses it', () => {
    const sse = README.indexOf('accept: text/event-stream');
    const set = README.lastIndexOf('TOKEN=$(npm run --silent token -- --merchant m_demo)', sse);
    expect(set).toBeGreaterThan(0);
    expect(README.indexOf('$TOKEN')).toBeGreaterThan(set);
  });

  it('shows a GraphiQL filter that the demo traffic matches at least every other tick (one tick = DEMO_INTERVAL_MS, 1 s)', async () => {
    const example = /paymentEvents\(filter: \{ types: \[([A-Z_, ]+)\], currencies: \[([^\]]+)\] \}\)/.exec(README);
    expect(example).not.toBeNull();
    const types = new Set(example![1]!.split(',').map((t) => t.trim().toLowerCase().replace('_', '.')));
    const currencies = new Set(example![2]!.split(',').map((c) => c.trim().replaceAll('"', '')));
    // What the simulator hands the pipeline, tick by tick (fake timers: 40 ticks, no waiting).
    vi.useFakeTimers();
    try {
      const events: { type: string; currency: string }[] = [];
      const recorder = { ingest: async (batch: { type: string; currency: string }[]) => void events.push(...batch) } as unknown as IngestPipeline;
      const simulator = createSimulator({ pipeline: recorder, merchantId: 'm_demo', intervalMs: 1000, logger: createLogger({ level: 'silent' }) });
      simulator.start();
      await vi.advanceTimersByTimeAsync(40_000);
      await simulator.stop();
      const matching = events.filter((e) => types.has(e.type) && currencies.has(e.currency));
      // About 1.3 a tick on average; fewer than 20 in 40 ticks would take a freak run of chance.
      expect(matching.length).toBeGreaterThanOrEqual(20);
    } finally {
      vi.useRealTimers();
    }
  });
});
