/**
 * The factual SFT half against the fake LLM on a field manual: the default five ways, one generation (N = 1), the
 * thought-process rewrite on, the pretraining half off. Prints LLM calls per chunk for the factual half beside the
 * original's count for the same run (blueprint §12.1: 5N judge calls + 5N·f QA-generation calls per chunk, f = the
 * fraction judged suitable; plus one rewrite call per pair in both), and the wall time.
 * `npm run bench -- factual`.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { corpusAvailable } from '../test/support/corpus.ts';
import { pretrainingConfigYaml } from '../test/support/pretraining-config.ts';
import { runComposition } from './composition-run.ts';

const LATENCY_MS = 300;
const LIMIT = 64;
const WAYS = 5;
const N = 1;
const CHUNK_TOKENS = Number(process.env.BENCH_FACTUAL_CHUNK_TOKENS ?? 500);

export async function benchFactual(): Promise<void> {
  if (!corpusAvailable) {
    console.log('skipped: the shared corpus is not beside the checkout (set CORPUS_DIR)');
    return;
  }
  const { status, wallMs, counters } = await runComposition({
    latencyMs: LATENCY_MS,
    corpusFile: 'army-field-manuals/fm-7-0-training.txt',
    sourceSettings: { variation_generation_counts: 1, factual_gen_use_subset: false },
    config: (url) => pretrainingConfigYaml(url, { concurrency: LIMIT, generations: N, factualChunkSize: CHUNK_TOKENS }),
  });
  const factual = status.stages.filter((s) => s.name.startsWith('factual_sft/'));
  const rewrite = status.stages.filter((s) => s.name.startsWith('thought_rewrite/'));
  const chunks = factual[0]?.items.total ?? 0;
  const judged = counters.byPromptId['factual-sft/judge'] ?? 0;
  const generated = counters.byPromptId['factual-sft/qa-generation'] ?? 0;
  const rewrites = counters.byPromptId['thought-rewrite/thought-process'] ?? 0;
  const passed =
    factual.reduce((n, s) => n + s.items.done, 0) /
    Math.max(
      1,
      factual.reduce((n, s) => n + s.items.total, 0),
    );
  const ours = (judged + generated + rewrites) / chunks;
  const original = WAYS * N + WAYS * N * passed + rewrites / chunks;
  const first = Math.min(...[...factual, ...rewrite].map((s) => Date.parse(s.started_at ?? '')));
  const last = Math.max(...[...factual, ...rewrite].map((s) => Date.parse(s.finished_at ?? '')));
  console.log(`chunks           ${chunks} per way (${factual.length} way stages, ${rewrite.length} rewrite stages)`);
  console.log(`judge calls      ${judged} (${(judged / chunks).toFixed(2)} per chunk; the original: ${WAYS * N})`);
  console.log(`QA generation    ${generated} (${(generated / chunks).toFixed(2)} per chunk); f = ${passed.toFixed(2)}`);
  console.log(`rewrite calls    ${rewrites} (one per pair)`);
  console.log(
    `calls per chunk  ${ours.toFixed(2)} here vs ${original.toFixed(2)} for the original (5N + 5N·f + rewrites)`,
  );
  console.log(
    `wall             ${(wallMs / 1000).toFixed(1)} s for the run; factual half ${((last - first) / 1000).toFixed(1)} s`,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await benchFactual();
}
