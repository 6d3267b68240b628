/**
 * The original's configs are read by PyYAML, which accepts a flow collection whose lines are not indented under the
 * key that opens it — the layout its shipped configs use for prompt lists:
 *
 *   factual_sft_settings:
 *     final_assistant_prompts_no_rag: [
 *     'You are a helpful AI assistant.',
 *     "u are ai asstant plz answr questions"]
 *
 * YAML 1.2 (and the `yaml` package) refuse that. This pass indents the continuation lines of such a collection two
 * spaces past its key, which changes no value: inside a flow collection, line breaks and leading spaces are folded
 * away (quoted scalars included), and blank lines are kept blank. Everything else is left byte for byte. Pure.
 */

/** Where a scan of one line leaves the flow state: open bracket depth and the quote still open, if any. */
interface FlowState {
  depth: number;
  quote: "'" | '"' | undefined;
}

/** Scans one line from `state`, counting brackets outside quotes and stopping at a comment. */
function scanLine(line: string, state: FlowState): FlowState {
  let { depth, quote } = state;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote === "'") {
      if (c === "'") {
        if (line[i + 1] === "'") i++;
        else quote = undefined;
      }
      continue;
    }
    if (quote === '"') {
      if (c === '\\') i++;
      else if (c === '"') quote = undefined;
      continue;
    }
    if (c === '#' && (i === 0 || /\s/.test(line[i - 1] ?? ''))) break;
    if (c === "'" || c === '"') quote = c;
    else if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') depth = Math.max(0, depth - 1);
  }
  return { depth, quote };
}

const OPENING = /^(\s*)(?:-\s+)?[^\s#'"][^#]*?:\s+[[{]/;

export function indentFlowCollections(text: string): string {
  const lines = text.split('\n');
  let changed = false;
  for (let i = 0; i < lines.length; i++) {
    const opening = OPENING.exec(lines[i] as string);
    if (!opening) continue;
    let state = scanLine(lines[i] as string, { depth: 0, quote: undefined });
    if (state.depth === 0) continue;
    const minimum = (opening[1] as string).length + 2;
    let j = i + 1;
    for (; j < lines.length && (state.depth > 0 || state.quote); j++) {
      const line = lines[j] as string;
      const indent = line.length - line.trimStart().length;
      if (line.trim() !== '' && indent < minimum) {
        lines[j] = ' '.repeat(minimum - indent) + line;
        changed = true;
      }
      state = scanLine(line, state);
    }
    i = j - 1;
  }
  return changed ? lines.join('\n') : text;
}
