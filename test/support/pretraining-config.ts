/** A composition config (YAML) that points every endpoint at the fake LLM (and names no Hub dataset unless asked). */
export function pretrainingConfigYaml(
  llmUrl: string,
  options: {
    concurrency?: number;
    pdfChunkSize?: number;
    repvarChunkSize?: number;
    codeFunctions?: string[];
    generations?: number;
    factualChunkSize?: number;
    /** Further top-level YAML lines (sections this helper does not write). */
    extra?: string[];
    /** Lines of a `factual_sft:` section (the default five ways when absent; none at all when empty). */
    factualWays?: string[];
    /** USD per million tokens for every model (so calls have a cost; unset, the fake model is unpriced: cost 0). */
    pricePerMillion?: number;
    /**
     * Lines of the `final_datasaving_settings:` section. Default: no generic Hub datasets (the default six would be
     * fetched from huggingface.co).
     */
    finalDatasaving?: string[];
  } = {},
): string {
  const costPrefix: Record<string, string> = {
    pdf_cleaning: 'pdf_cleaning_cost',
    representation_variation: 'representation_variation_cost',
    factual: 'factual_cost_per_million',
    rag: 'rag_cost_per_million',
    correction: 'correction_cost_per_million',
    transform_generic_data: 'transform_generic_data_cost_per_million',
  };
  const endpoints = (prefix: string) =>
    ['small', 'large']
      .map(
        (size) =>
          `  ${prefix}_${size}_base_url: ${llmUrl}\n  ${prefix}_${size}_model: fake-model` +
          (options.pricePerMillion === undefined
            ? ''
            : `\n  ${costPrefix[prefix]}_${size}_input: ${options.pricePerMillion}` +
              `\n  ${costPrefix[prefix]}_${size}_output: ${options.pricePerMillion}`),
      )
      .join('\n');
  return [
    'dataset_context: US Army field manuals',
    'do_not_use_llm_for_pdf_processing: false',
    'system:',
    `  concurrency_limit: ${options.concurrency ?? 16}`,
    '  use_subset: false',
    `  number_of_factual_sft_generations_to_do: ${options.generations ?? 1}`,
    'model_training:',
    '  context_length: 8192',
    'pdf_cleaning:',
    `  pdf_cleaning_chunk_size: ${options.pdfChunkSize ?? 60}`,
    endpoints('pdf_cleaning'),
    'representation_variation:',
    `  representation_variation_chunk_size: ${options.repvarChunkSize ?? 400}`,
    `  code_variation_functions: [${(options.codeFunctions ?? ['keyboard_augmentation', 'allcaps']).join(', ')}]`,
    endpoints('representation_variation'),
    'factual_sft_settings:',
    `  factual_chunk_size: ${options.factualChunkSize ?? 3000}`,
    endpoints('factual'),
    'transform_generic_data:',
    endpoints('transform_generic_data'),
    'rag_data:',
    endpoints('rag'),
    'correction_pipeline:',
    endpoints('correction'),
    ...(options.factualWays === undefined
      ? []
      : options.factualWays.length === 0
        ? ['factual_sft: {}']
        : ['factual_sft:', ...options.factualWays]),
    'final_datasaving_settings:',
    ...(options.finalDatasaving ?? ['  generic_dataset_paths: []']),
    ...(options.extra ?? []),
    '',
  ].join('\n');
}
