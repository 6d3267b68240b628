/**
 * Scale-out: one API process and 1, 2 and 4 worker processes on one PostgreSQL, running the pretraining half over a
 * field manual (~200 chunks, the fake LLM at 300 ms). The run's concurrency_limit holds across processes (the fake
 * never sees more than it), and the wall time falls while the service's CPU binds, until the limit does.
 * `DATABASE_URL=postgres://… npm run bench -- scale-out`.
 */
import { corpusAvailable } from '../test/support/corpus.ts';
import { pretrainingConfigYaml } from '../test/support/pretraining-config.ts';
import { runComposition } from './composition-run.ts';

const LATENCY_MS = 300;
const LIMIT = Number(process.env.BENCH_LIMIT ?? 64);

export async function benchScaleOut(): Promise<void> {
  if (!corpusAvailable) return void console.log('skipped: the shared corpus is not beside the checkout');
  if (!process.env.DATABASE_URL)
    return void console.log('skipped: worker processes share a PostgreSQL: set DATABASE_URL');
  const rows: string[] = [];
  for (const workers of [1, 2, 4]) {
    const { wallMs, counters, status } = await runComposition({
      latencyMs: LATENCY_MS,
      corpusFile: 'army-field-manuals/fm-7-0-training.txt',
      sourceSettings: { variation_generation_counts: 2 },
      config: (url) => pretrainingConfigYaml(url, { concurrency: LIMIT, repvarChunkSize: 300, factualWays: [] }),
      separateWorker: true,
      workers,
    });
    const calls = status.stages.reduce((n, s) => n + s.llm.calls - s.llm.cached_calls, 0);
    const idealMs = (calls * LATENCY_MS) / LIMIT;
    rows.push(
      `| ${workers} | ${calls} | ${(wallMs / 1000).toFixed(1)} s | ${(calls / (wallMs / 1000)).toFixed(0)} | ` +
        `${counters.maxInFlight} (limit ${LIMIT}) | ${(idealMs / wallMs).toFixed(2)} |`,
    );
  }
  console.log('| workers | calls | wall | calls/s | most in flight at the fake | efficiency |');
  console.log('|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
}
