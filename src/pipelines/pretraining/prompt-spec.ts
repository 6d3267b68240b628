/**
 * How a pipeline declares its prompt files to the loader: the id (path under prompts/ without the extension) and
 * every variable the file references, so a typo or a missing value fails start-up instead of a run.
 */
export interface PromptSpec {
  id: string;
  variables: readonly string[];
}
