/**
 * A stage whose items a test controls: `count` items numbered 0…count-1, processed by the test's own function. It has
 * a kind of its own (`test_items`), needs only ingest, and so runs beside the composition's stages.
 */
import { z } from 'zod';
import { ingestStage } from '../../src/pipelines/ingest-stage.ts';
import type { FinishContext, ItemStageDefinition, ProcessContext } from '../../src/pipelines/stage.ts';
import { outcome } from '../../src/pipelines/step.ts';

const N = z.object({ n: z.number() });
type N = z.infer<typeof N>;

export const itemKey = (n: number) => `item-${String(n).padStart(2, '0')}`;

export function standInStage(options: {
  count: number;
  process(n: number, ctx: ProcessContext): Promise<void>;
  finish?(ctx: FinishContext<N, N>): Promise<void>;
}): ItemStageDefinition<N, N> {
  return {
    kind: 'test_items',
    needs: [ingestStage],
    configPath: 'system',
    input: N,
    output: N,
    async *plan() {
      for (let n = 0; n < options.count; n++) yield { key: itemKey(n), input: { n } };
    },
    async process(input, ctx) {
      await options.process(input.n, ctx);
      return outcome.done({ n: input.n });
    },
    finish: options.finish ?? (async () => {}),
  };
}
