/**
 * A StepContext whose LLM is a function of the request: it answers with raw text, which the request's own parser
 * reads (a `retry` ends the call with its reason, as a gateway that ran out of attempts would), or with a ready
 * failure. Every request is recorded.
 */
import { seededRandom } from '../../../src/lib/seeded-random.ts';
import type { LlmCall, LlmPort, LlmResult, StepContext } from '../../../src/pipelines/step.ts';

export type StubAnswer = string | { fail: string };

export interface StubContext extends StepContext {
  calls: Array<LlmCall<unknown>>;
}

export function stubContext(
  answer: (request: LlmCall<unknown>) => StubAnswer | Promise<StubAnswer>,
  seed = 'seed',
): StubContext {
  const calls: Array<LlmCall<unknown>> = [];
  const llm: LlmPort = {
    async call<T>(request: LlmCall<T>): Promise<LlmResult<T>> {
      calls.push(request as LlmCall<unknown>);
      const raw = await answer(request as LlmCall<unknown>);
      if (typeof raw !== 'string') return { ok: false, reason: raw.fail };
      const result = request.parse(raw);
      return result.kind === 'ok' ? { ok: true, value: result.value, raw } : { ok: false, reason: result.reason };
    },
  };
  return {
    llm,
    random: (...parts) => seededRandom(seed, ...parts),
    signal: new AbortController().signal,
    log: { info: () => {}, warn: () => {} },
    calls,
  };
}
