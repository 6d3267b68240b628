/**
 * `factual_sft`: the factual SFT "ways" (prompt styles), a map of way name -> settings. A config that gives the map
 * replaces the default five ways (as in the original); each way's omitted settings come from the built-in way of
 * that name, or from the generic defaults for a new name (its prompts folder is derived from the name).
 */
import { z } from 'zod';

export interface FactualWay {
  /** Prompt override folder of the way, falling back to `default_prompts` for files it does not override. */
  prompts: string;
  default_prompts: string;
  single_turn: boolean;
  skip_question_check: boolean;
  skip_answer_relevancy_check: boolean;
  skip_answer_accuracy_check: boolean;
  skip_repair_qa_tuples: boolean;
  multi_source: boolean;
  /** The hallucination way asks about things the documents do not contain. */
  not_in_rag_data: boolean;
}

const wayInputSchema = z.strictObject({
  prompts: z.string().min(1).optional(),
  default_prompts: z.string().min(1).optional(),
  single_turn: z.boolean().optional(),
  skip_question_check: z.boolean().optional(),
  skip_answer_relevancy_check: z.boolean().optional(),
  skip_answer_accuracy_check: z.boolean().optional(),
  skip_repair_qa_tuples: z.boolean().optional(),
  multi_source: z.boolean().optional(),
  not_in_rag_data: z.boolean().optional(),
});

/** In the original's order, which is also the order the ways run and are combined in. */
export const DEFAULT_WAY_NAMES = ['openended', 'hallucination', 'negative', 'vague', 'followup'] as const;

const builtInOverrides: Readonly<Record<string, Partial<FactualWay>>> = {
  hallucination: { not_in_rag_data: true },
  followup: { single_turn: false },
};

export function wayDefaults(wayName: string): FactualWay {
  return {
    prompts: `prompt_overrides/${wayName}`,
    default_prompts: 'prompts',
    single_turn: true,
    skip_question_check: true,
    skip_answer_relevancy_check: true,
    skip_answer_accuracy_check: true,
    skip_repair_qa_tuples: true,
    multi_source: true,
    not_in_rag_data: false,
    ...(Object.hasOwn(builtInOverrides, wayName) ? builtInOverrides[wayName] : {}),
  };
}

/**
 * Way names become stage names and output folder names (`factual_sft_<source>_<way>_<i>`), so they are kept to a
 * safe alphabet. Starting with a letter also keeps integer-like names out, which JavaScript would reorder.
 */
const wayName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'way names start with a letter and use only letters, digits, _ and -');

export const factualSftSchema = z
  .record(wayName, wayInputSchema)
  .transform((ways): Record<string, FactualWay> => {
    const filled: Record<string, FactualWay> = {};
    for (const [key, given] of Object.entries(ways)) {
      const base = wayDefaults(key);
      filled[key] = {
        prompts: given.prompts ?? base.prompts,
        default_prompts: given.default_prompts ?? base.default_prompts,
        single_turn: given.single_turn ?? base.single_turn,
        skip_question_check: given.skip_question_check ?? base.skip_question_check,
        skip_answer_relevancy_check: given.skip_answer_relevancy_check ?? base.skip_answer_relevancy_check,
        skip_answer_accuracy_check: given.skip_answer_accuracy_check ?? base.skip_answer_accuracy_check,
        skip_repair_qa_tuples: given.skip_repair_qa_tuples ?? base.skip_repair_qa_tuples,
        multi_source: given.multi_source ?? base.multi_source,
        not_in_rag_data: given.not_in_rag_data ?? base.not_in_rag_data,
      };
    }
    return filled;
  })
  .prefault(() => Object.fromEntries(DEFAULT_WAY_NAMES.map((way) => [way, {}])));
