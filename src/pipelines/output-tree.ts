/**
 * Every path of a run's output tree: the original's layout (blueprint §10), so existing training recipes keep
 * working, plus what this service adds (the extraction report). Nothing else spells an artifact path.
 */

/** A file name without its folders (a jsonl record's metadata may be a path). */
const baseName = (name: string) => name.split(/[\\/]/).at(-1) ?? name;

export const outputTree = {
  /**
   * Ingest: the text extracted from one uploaded file, named as the original names it: the file's name with `.txt`
   * for its extension (`manual.pdf` → `manual.txt`, `notes.txt` → `notes.txt`). `siblings`: the other file names of
   * the source; when two share a stem (`a.pdf`, `a.docx`) each keeps its full name (`a.pdf.txt`) so neither is lost.
   */
  extractedText: (source: string, fileName: string, siblings: readonly string[] = []) => {
    const stem = (name: string) => name.replace(/\.[^./]+$/, '');
    const clash = siblings.some((other) => other !== fileName && stem(other) === stem(fileName));
    return `extracted_text/${source}/${clash ? fileName : stem(fileName)}.txt`;
  },
  /** Ingest: one line per file with its format, size and document count. */
  ingestReport: 'extracted_text/ingest_report.json',
  /** PDF cleaning: one cleaned text per PDF, named after the PDF without its extension. */
  cleanedPdf: (source: string, pdfName: string) =>
    `pdf_cleaning_${source}/${baseName(pdfName).replace(/\.pdf$/i, '')}.txt`,
  /** The continued-pretraining lines of the representation-variation run of one source. */
  representationVariation: (source: string) => `representation_variation_${source}/final_output.jsonl`,
  /** The continued-pretraining lines of the inferred-facts run of one source. */
  inferredFacts: (source: string) => `inferred_facts_${source}/final_output.jsonl`,
  /** Factual SFT of one source, way and iteration: the generated records and their ShareGPT conversations. */
  factualSft: (source: string, way: string, iteration: number) => {
    const folder = `factual_sft_${source}_${way}_${iteration}`;
    return { questions: `${folder}/factual_questions.json`, conversations: `${folder}/plain_qa_list.jsonl` };
  },
  /** RAG-usage training records of one source (`{"segments": [...]}` lines). */
  ragData: (source: string) => `rag_data_${source}/axolotl_rag_conversations.jsonl`,
  /** Self-correction training records of one source (a JSON array, as the original writes it). */
  corrections: (source: string) => `corrections_${source}/axolotl_correction_conversations.json`,
  /** Generation i's domain conversations with their rewritten thought processes. */
  transformedGenericData: (iteration: number) => `transformed_generic_data_${iteration}/final_total_output.jsonl`,
  /** A generic Hub dataset's sampled share, as ShareGPT with the shared instruction (`<repo with - for />_<target>`). */
  genericSft: (file: string) => `generic_sft/${file}`,
  /** The folder Axolotl's continued-pretraining run trains from; dataset paths are relative to it. */
  pretrainingRun: {
    folder: 'pretraining_run',
    representationVariation: (source: string) => `representation_variation_${source}.jsonl`,
    textChunks: (source: string) => `text_chunks_${source}.jsonl`,
    inferredFacts: (source: string) => `inferred_facts_${source}.jsonl`,
    axolotlConfig: 'axolotl_pretraining_config.yaml',
    /** The path of a file of the folder, inside the output tree. */
    path: (file: string) => `pretraining_run/${file}`,
  },
  /** The folder Axolotl's SFT run trains from; dataset paths are relative to it. */
  sftRun: {
    folder: 'sft_run',
    combined: (iteration: number) => `combined_factual_data/combined_all_${iteration}.jsonl`,
    completion: (iteration: number) => `factual_sft_completion/combined_all_${iteration}.jsonl`,
    /** A generic dataset's share rendered with the chat template. */
    genericCompletion: (file: string) => `generic_sft_completion/${file}`,
    rag: (source: string) => `axolotl_rag_conversations_${source}.jsonl`,
    corrections: (source: string) => `axolotl_correction_conversations_${source}.json`,
    axolotlConfig: 'sft_training_config.yaml',
    pretrainingSubset: (tokens: number) => `pretraining_subset_${tokens}.jsonl`,
    /** The Hugging Face dataset card of the folder. */
    card: 'README.md',
    path: (file: string) => `sft_run/${file}`,
  },
  /** The domain conversations for other trainers (OpenAI chat fine-tuning, ShareGPT, Alpaca, LLaMA-Factory). */
  exports: {
    openAiChat: 'exports/openai_chat.jsonl',
    shareGpt: 'exports/sharegpt.jsonl',
    alpaca: 'exports/alpaca.jsonl',
    datasetInfo: 'exports/dataset_info.json',
  },
  /** What a serving-time retriever indexes: the generated questions with their chunks (§6.7). */
  ragSourceData: {
    ofSource: (source: string) => `rag_source_data/rag_data_${source}.jsonl`,
    combined: 'rag_source_data/rag_data_combined.jsonl',
  },
} as const;
