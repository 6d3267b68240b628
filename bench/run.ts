/**
 * `npm run bench`: every benchmark in turn, printing its figures. Benchmarks measure; tests check behaviour.
 * Run one with `npm run bench -- queue` (names: queue, ingest, llm, pipeline, factual, status, composition, faults, scale-out, scale-ingest,
 * scale-plan).
 */
import { benchQueue } from './queue.ts';

const benches: Record<string, () => Promise<void>> = {
  queue: benchQueue,
  ingest: async () => (await import('./ingest.ts')).benchIngest(),
  llm: async () => (await import('./llm.ts')).benchLlm(),
  pipeline: async () => (await import('./pipeline.ts')).benchPipeline(),
  factual: async () => (await import('./factual.ts')).benchFactual(),
  status: async () => (await import('./status.ts')).benchStatus(),
  composition: async () => (await import('./composition.ts')).benchComposition(),
  faults: async () => (await import('./composition.ts')).benchFaults(),
  'scale-out': async () => (await import('./scale-out.ts')).benchScaleOut(),
  'scale-ingest': async () => (await import('./scale-data.ts')).benchScaleIngest(),
  'scale-plan': async () => (await import('./scale-data.ts')).benchScalePlan(),
};

const wanted = process.argv.slice(2);
for (const [name, run] of Object.entries(benches)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  console.log(`\n== ${name} ==`);
  await run();
}
