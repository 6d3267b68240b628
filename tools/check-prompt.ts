/**
 * `npm run check-prompt -- <prompt id> <file.yaml>`: checks a prompt file the way an uploaded prompt set is checked
 * (shape, declared variables, few-shot answers accepted by the step's parser), before uploading it. Prints every
 * problem and exits 1, or prints "ok".
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkPromptFile } from '../src/jobs/prompt-sets.ts';
import { loadPrompts } from '../src/llm/prompts.ts';
import { promptSpecs } from '../src/pipelines/stages.ts';

const [id, file] = process.argv.slice(2);
if (!id || !file) {
  console.error('usage: npm run check-prompt -- <prompt id, e.g. representation-variation/filter> <file.yaml>');
  process.exit(2);
}
const library = loadPrompts(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'prompts'), promptSpecs);
const problems = checkPromptFile(library, id, readFileSync(file, 'utf8'));
for (const problem of problems) console.log(`${file}: ${problem}`);
if (problems.length > 0) process.exit(1);
console.log('ok');
