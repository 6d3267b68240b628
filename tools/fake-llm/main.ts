/**
 * `npm run fake-llm [-- --port 8089 --latency 300 --rate-429 0.05 …]`: the fake OpenAI-compatible server as a
 * process. Flags win over environment variables (FAKE_LLM_PORT, FAKE_LLM_HOST, FAKE_LLM_LATENCY_MS, FAKE_LLM_SEED,
 * FAKE_LLM_RATE_429, FAKE_LLM_RETRY_AFTER, FAKE_LLM_RATE_500, FAKE_LLM_RATE_HANG, FAKE_LLM_RATE_MALFORMED,
 * FAKE_LLM_RATE_THINK). Latency is `300` or a range `200-400` (ms). The first line printed is
 * `fake-llm listening at <base url>` (tests and benchmarks read it).
 */
import { parseArgs } from 'node:util';
import { type FakeLlmOptions, startFakeLlm } from './server.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    latency: { type: 'string' },
    seed: { type: 'string' },
    'rate-429': { type: 'string' },
    'retry-after': { type: 'string' },
    'rate-500': { type: 'string' },
    'rate-hang': { type: 'string' },
    'rate-malformed': { type: 'string' },
    'rate-think': { type: 'string' },
    help: { type: 'boolean' },
  },
});

if (values.help) {
  console.log(
    'usage: npm run fake-llm -- [--port N] [--host H] [--latency MS|MIN-MAX] [--seed S] [--rate-429 P] ' +
      '[--retry-after S] [--rate-500 P] [--rate-hang P] [--rate-malformed P] [--rate-think P]',
  );
  process.exit(0);
}

const env = process.env;
const pick = (flag: string | undefined, name: string): string | undefined => flag ?? env[`FAKE_LLM_${name}`];
const num = (flag: string | undefined, name: string): number | undefined => {
  const raw = pick(flag, name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`fake-llm: ${name.toLowerCase()} must be a number, got "${raw}"`);
  return value;
};

function latency(raw: string | undefined): FakeLlmOptions['latencyMs'] {
  if (raw === undefined) return undefined;
  const [min, max] = raw.split('-').map(Number);
  if (min === undefined || !Number.isFinite(min)) throw new Error(`fake-llm: bad latency "${raw}"`);
  return max !== undefined && Number.isFinite(max) ? { min, max } : min;
}

const fake = await startFakeLlm({
  port: num(values.port, 'PORT') ?? 8089,
  host: pick(values.host, 'HOST') ?? '127.0.0.1',
  latencyMs: latency(pick(values.latency, 'LATENCY_MS')),
  seed: pick(values.seed, 'SEED') ?? 0,
  rateLimitRate: num(values['rate-429'], 'RATE_429'),
  retryAfterSeconds: num(values['retry-after'], 'RETRY_AFTER'),
  serverErrorRate: num(values['rate-500'], 'RATE_500'),
  hangRate: num(values['rate-hang'], 'RATE_HANG'),
  malformedRate: num(values['rate-malformed'], 'RATE_MALFORMED'),
  thinkRate: num(values['rate-think'], 'RATE_THINK'),
});
console.log(`fake-llm listening at ${fake.url}`);

const stop = () => {
  fake.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
