/**
 * The generic half of `sft_run/` (blueprint §6.5, second half): each generic dataset's share of the mix, drawn from the
 * rows the generic-SFT stage kept, its `context_to_add` placed, the shared instruction prepended once (⚠ the
 * original prepended it again to every file of earlier runs), written as ShareGPT to `generic_sft/` and rendered with
 * the chat template to `sft_run/generic_sft_completion/`. Only this run's files exist in its tree, so stale subsets of
 * earlier runs can never be mixed in (⚠).
 */
import { seededRandom } from '../../lib/seeded-random.ts';
import { mapInSlices } from '../../lib/time-slices.ts';
import { addContext, datasetFileName, drawRows, genericTarget } from '../generic-sft/mix.ts';
import { genericSftStage } from '../generic-sft/stage.ts';
import { outputTree } from '../output-tree.ts';
import { toJsonl } from '../shared/jsonl.ts';
import type { ShareGptConversation } from '../shared/sharegpt.ts';
import type { ArtifactContext } from '../stage.ts';
import { completionLine, withSharedInstruction } from './combine.ts';

export interface GenericFile {
  repo: string;
  /** File name inside `generic_sft/` and `sft_run/generic_sft_completion/`. */
  file: string;
  target: number;
  rows: number;
  tokens: number;
  /** The rendered lines, for `sft_run/`. */
  lines: Array<{ text: string }>;
}

export async function mixGenericData(
  ctx: ArtifactContext,
  domainTokens: number,
  /** A resolved chat template (Jinja source). */
  template: string,
): Promise<GenericFile[]> {
  const { config } = ctx;
  const settings = config.final_datasaving_settings;
  const out: GenericFile[] = [];
  for (const { input, output: snapshot } of await ctx.outputsOf(genericSftStage)) {
    const dataset = settings.generic_dataset_paths[input.position];
    const percent = settings.generic_dataset_percentages[input.position];
    if (!dataset || percent === undefined) continue;
    const target = genericTarget(domainTokens, settings.minimum_generic_sft, percent);
    const rowTokens = await ctx.datasets.rowTokens(snapshot);
    const chosen = new Set(drawRows(rowTokens, target, seededRandom(ctx.seed, 'generic', input.position)));
    const drawn: ShareGptConversation[] = [];
    let index = 0;
    let tokens = 0;
    for await (const row of ctx.datasets.rows(snapshot)) {
      if (chosen.has(index)) {
        drawn.push(addContext(row, dataset.context_to_add, dataset.context_to_add_type, config.dataset_context));
        tokens += rowTokens[index] as number;
      }
      index++;
    }
    const prepared = withSharedInstruction(drawn, config.system.shared_instruction, config.dataset_context);
    const file = datasetFileName(snapshot.repo, target);
    await ctx.writeArtifact(outputTree.genericSft(file), toJsonl(prepared));
    const lines = await mapInSlices(prepared, (c) => completionLine(c, template, settings.template_kwargs));
    out.push({ repo: snapshot.repo, file, target, rows: drawn.length, tokens, lines });
  }
  return out;
}
