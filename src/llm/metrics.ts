/**
 * Prometheus metrics of the gateway, registered on the service's registry (served at /metrics). Counting happens
 * where calls are recorded (accounting.ts), so metrics and the llm_calls table always agree.
 */
import { Counter, Histogram, type Registry } from 'prom-client';

export interface LlmMetrics {
  calls: Counter<'model' | 'outcome' | 'cached'>;
  tokens: Counter<'direction'>;
  cost: Counter;
  duration: Histogram<'model'>;
}

/** Two gateways on one registry (tests, the all-in-one role) share the metrics instead of failing to register. */
function reuse<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

export function createLlmMetrics(registry: Registry): LlmMetrics {
  const registers = [registry];
  return {
    calls: reuse(
      registry,
      'llm_calls_total',
      () =>
        new Counter({
          name: 'llm_calls_total',
          help: 'LLM call attempts by model, outcome (ok, retry, drop, error) and whether the cache answered',
          labelNames: ['model', 'outcome', 'cached'] as const,
          registers,
        }),
    ),
    tokens: reuse(
      registry,
      'llm_tokens_total',
      () =>
        new Counter({
          name: 'llm_tokens_total',
          help: 'Tokens billed by providers (usage, or a chars/4 estimate), by direction (input, output)',
          labelNames: ['direction'] as const,
          registers,
        }),
    ),
    cost: reuse(
      registry,
      'llm_cost_usd_total',
      () =>
        new Counter({
          name: 'llm_cost_usd_total',
          help: 'Provider spend in USD from the configured prices',
          registers,
        }),
    ),
    duration: reuse(
      registry,
      'llm_call_duration_seconds',
      () =>
        new Histogram({
          name: 'llm_call_duration_seconds',
          help: 'Provider call latency (cache hits excluded), successful or not',
          labelNames: ['model'] as const,
          buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
          registers,
        }),
    ),
  };
}
