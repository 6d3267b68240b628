/**
 * Polling a run's status while it runs: autocannon in a separate process at 500 requests/s over 20 connections
 * against `GET /v1/runs/{id}`, while a pretraining run of ~200 chunks (the fake LLM at 300 ms, limit 64) goes on in the
 * service process. Goal: 500 requests/s served with p99 ≤ 20 ms. `npm run bench -- status`.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { corpusAvailable } from '../test/support/corpus.ts';
import { pretrainingConfigYaml } from '../test/support/pretraining-config.ts';
import { runComposition } from './composition-run.ts';

const RATE = 500;
const CONNECTIONS = 20;
const SECONDS = 10;

export async function benchStatus(): Promise<void> {
  if (!corpusAvailable) {
    console.log('skipped: the shared corpus is not beside the checkout (set CORPUS_DIR)');
    return;
  }
  const database = process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite';
  await pollDuringRun(`one process (${database})`, false);
  if (process.env.DATABASE_URL) await pollDuringRun('API and worker processes (PostgreSQL)', true);
  else console.log('(set DATABASE_URL to also measure an API process beside a separate worker process)');
}

async function pollDuringRun(setup: string, separateWorker: boolean): Promise<void> {
  const cli = path.join(
    path.dirname(createRequire(import.meta.url).resolve('autocannon/package.json')),
    'autocannon.js',
  );
  let report:
    | {
        requests: { average: number };
        latency: { p50: number; p99: number; max: number };
        non2xx: number;
        errors: number;
      }
    | undefined;
  const { wallMs, status } = await runComposition({
    latencyMs: 300,
    corpusFile: 'army-field-manuals/fm-7-0-training.txt',
    sourceSettings: { variation_generation_counts: 2 },
    config: (url) => pretrainingConfigYaml(url, { concurrency: 64, repvarChunkSize: 300, factualWays: [] }),
    separateWorker,
    duringRun: async (base, runId) => {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [
          cli,
          '-R',
          String(RATE),
          '-c',
          String(CONNECTIONS),
          '-d',
          String(SECONDS),
          '--json',
          `${base}/v1/runs/${runId}`,
        ],
        { maxBuffer: 64 * 1024 * 1024 },
      );
      report = JSON.parse(stdout);
    },
  });
  if (!report) throw new Error('autocannon gave no report');
  console.log(
    `${setup}: run ${status.status} in ${(wallMs / 1000).toFixed(1)} s, polled during its first ${SECONDS} s`,
  );
  console.log(
    `  GET /v1/runs/{id} at -R ${RATE} -c ${CONNECTIONS}: ${report.requests.average.toFixed(0)} requests/s, ` +
      `p50 ${report.latency.p50} ms, p99 ${report.latency.p99} ms, max ${report.latency.max} ms, ` +
      `non-2xx ${report.non2xx}, errors ${report.errors} (goal: ${RATE}/s, p99 ≤ 20 ms)`,
  );
}
