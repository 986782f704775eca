import type { TestApp } from './app.js';

/** The value of one sample line of an app's /metrics text, or 0 when the series is absent. */
export async function sample(t: TestApp, series: string): Promise<number> {
  const res = await fetch(new URL('/metrics', t.url));
  const line = (await res.text()).split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}
