/**
 * `npm run fake-hub [-- --port 8090] [--demo] [--dataset owner/name=path/to/file.jsonl …]`: the fake Hugging Face Hub
 * as a process, for offline demos (start the service with `HF_ENDPOINT=http://127.0.0.1:8090`). `--demo` serves
 * `demo/generic-chat`, a small ShareGPT dataset of our own; each `--dataset` serves a local JSON Lines, JSON or Parquet
 * file as the train split of a dataset repo. Repos created by a push live in memory until the process stops. The first
 * line printed is `fake-hub listening at <url>`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startFakeHub } from './server.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    demo: { type: 'boolean' },
    dataset: { type: 'string', multiple: true },
    help: { type: 'boolean' },
  },
});

if (values.help) {
  console.log('usage: npm run fake-hub -- [--port N] [--host H] [--demo] [--dataset owner/name=FILE ...]');
  process.exit(0);
}

const hub = await startFakeHub({ port: Number(values.port ?? 8090), host: values.host ?? '127.0.0.1' });
if (values.demo) {
  const demo = path.join(path.dirname(fileURLToPath(import.meta.url)), 'demo-generic-chat.jsonl');
  hub.putDataset('demo/generic-chat', { 'train.jsonl': readFileSync(demo) });
}
for (const spec of values.dataset ?? []) {
  const [repo, file] = spec.split('=');
  if (!repo || !file || !/^[\w.-]+\/[\w.-]+$/.test(repo)) {
    throw new Error(`fake-hub: --dataset needs owner/name=FILE, got "${spec}"`);
  }
  hub.putDataset(repo, { [`train${path.extname(file)}`]: readFileSync(file) });
}
console.log(`fake-hub listening at ${hub.url}`);

const stop = () => void hub.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
