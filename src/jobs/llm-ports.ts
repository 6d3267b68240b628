/**
 * Binds a stage to the LLM gateway: the run's config says which endpoints, stop-list flag, completion mode and
 * concurrency limit apply to the stage's config section.
 */
import { concurrencyLimit, resolveEndpoints } from '../config/composition/endpoints.ts';
import type { Gateway } from '../llm/gateway.ts';
import type { LlmPortFactory } from './item-runner.ts';

export function gatewayPorts(gateway: Gateway): LlmPortFactory {
  return ({ runId, stageName, section, runConfig, signal, priority, prompts, owner, refreshCache, onAttempt }) => {
    const { small, large, useStop, completionMode } = resolveEndpoints(runConfig.config, runConfig.secrets, section);
    return gateway.forStage({
      runId,
      stage: stageName,
      endpoints: { small, large },
      useStop,
      completionMode,
      concurrencyLimit: concurrencyLimit(runConfig.config),
      signal,
      priority,
      ...(prompts ? { prompts } : {}),
      ...(owner ? { owner } : {}),
      refreshCache: refreshCache || runConfig.config.llm_cache === 'refresh',
      rateLimitPauseMs: runConfig.config.rate_limit_pause_after_seconds * 1000,
      ...(onAttempt ? { onAttempt } : {}),
    });
  };
}
