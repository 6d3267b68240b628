/**
 * A file of `sft_run/` as the stages that write the folder (`sft_mix`, then `assembly`) write and list it: JSON Lines
 * (or a JSON array, as the original writes correction data), described for the dataset card by its records and
 * tokens; and the SFT training config's datasets, typed by kind, from the files in the original's order.
 */
import { z } from 'zod';
import { defaultTokenizer } from '../../ingest/tokenizer.ts';
import { mapInSlices } from '../../lib/time-slices.ts';
import { outputTree } from '../output-tree.ts';
import { toJsonl } from '../shared/jsonl.ts';
import type { ArtifactContext } from '../stage.ts';
import type { CardFile, CardFileKind } from './dataset-card.ts';

export const CardFileSchema: z.ZodType<CardFile> = z.object({
  path: z.string(),
  kind: z.enum(['factual_sft', 'generic_sft', 'rag', 'corrections', 'pretraining_subset']),
  records: z.number().int(),
  tokens: z.number().int(),
});

export interface SftRunFiles {
  /** Paths inside `sft_run/` with their Axolotl dataset type, in the original's order. */
  sftDatasets: Array<{ path: string; type: 'completion' | 'input_output' }>;
  sftLeftOut: Array<{ file: string; reason: string }>;
}

type TextRecord = { text: string };
type SegmentsRecord = { segments: Array<{ text: string }> };
export type SftRecord = TextRecord | SegmentsRecord;

const TYPE_OF_KIND: Record<CardFileKind, 'completion' | 'input_output'> = {
  factual_sft: 'completion',
  generic_sft: 'completion',
  rag: 'input_output',
  corrections: 'input_output',
  pretraining_subset: 'completion',
};

/** Writes one file of `sft_run/` and describes it for the card (its tokens counted in slices: files hold thousands). */
export async function writeSftFile(
  ctx: Pick<ArtifactContext, 'writeArtifact'>,
  file: string,
  records: readonly SftRecord[],
  kind: CardFileKind,
): Promise<CardFile> {
  const json = kind === 'corrections';
  await ctx.writeArtifact(
    outputTree.sftRun.path(file),
    json ? `${JSON.stringify(records, null, 2)}\n` : toJsonl(records),
  );
  const tokens = await mapInSlices(records, (r) => defaultTokenizer().count(textOf(r)));
  return { path: file, kind, records: records.length, tokens: tokens.reduce((n, t) => n + t, 0) };
}

/** The SFT config's datasets: every file with records, typed by its kind; the empty ones left out, with why. */
export function sftDatasetsOf(files: readonly CardFile[]): SftRunFiles {
  const out: SftRunFiles = { sftDatasets: [], sftLeftOut: [] };
  for (const f of files) {
    if (f.records > 0) out.sftDatasets.push({ path: f.path, type: TYPE_OF_KIND[f.kind] });
    else out.sftLeftOut.push({ file: f.path, reason: 'empty: no record was produced' });
  }
  return out;
}

const textOf = (r: SftRecord) => ('text' in r ? r.text : r.segments.map((s) => s.text).join(''));
