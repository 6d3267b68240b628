/**
 * What the fake LLM says: the request's last few-shot answer (its last assistant message) used as a template. When it
 * has XML-like tags, the content of its last top-level tag pair is replaced with text derived from the final user
 * message (its sentences, as many as make about the length of the content they replace — a model imitating its
 * examples answers at their length —, shaped like it: a numbered list stays a numbered list); without tags the
 * template is replayed as is. Same request → same answer, and answers depend on the input.
 */

export interface ChatTurn {
  role: string;
  content: string;
}

const MALFORMED = 'I looked at the passage, but I will answer in my own words without the requested format.';

export function chatAnswer(messages: readonly ChatTurn[], malformed = false): string {
  const lastUser = messages.findLast((m) => m.role === 'user')?.content ?? '';
  const template = messages.findLast((m) => m.role === 'assistant')?.content;
  if (malformed) return MALFORMED;
  if (template === undefined) return sentences(lastUser).join(' ') || 'Nothing to add.';
  return replaceLastTagContent(template, (old) => shapeLike(old, sentences(lastUser, old.trim().length)));
}

const TRANSCRIPT_TURN = /^(SYSTEM|USER|ASSISTANT):\n/gm;

/**
 * Completion mode. A prompt in the gateway's transcript form (`USER:` … `ASSISTANT:` blocks, used for prompts without
 * a `.txt` variant) is answered like the chat messages it came from; anything else gets a fixed continuation.
 */
export function completionAnswer(prompt: string, continuation: string, malformed = false): string {
  if (!prompt.endsWith('ASSISTANT:\n')) return malformed ? MALFORMED : continuation;
  const turns: ChatTurn[] = [];
  const marks = [...prompt.matchAll(TRANSCRIPT_TURN)];
  for (const [i, mark] of marks.entries()) {
    const end = marks[i + 1]?.index ?? prompt.length;
    turns.push({ role: String(mark[1]).toLowerCase(), content: prompt.slice(mark.index + mark[0].length, end).trim() });
  }
  return chatAnswer(turns.slice(0, -1), malformed);
}

/**
 * The first sentences of a message, without quote fences and markup lines: at least two, then more until they reach
 * `length` characters (or the message ends).
 */
export function sentences(message: string, length = 0): string[] {
  const all = message
    .split('\n')
    // Quote fences, rules, headings and bare labels ("Passage:") are prompt scaffolding, not content.
    .filter((line) => !/^\s*("""|```|-{3,}|#+\s)/.test(line) && !/^\s*[\w ]{1,40}:\s*$/.test(line))
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim()
    .split(/(?<=[.!?])\s+/)
    .filter((s) => s !== '')
    .map((s) => s.slice(0, 400));
  const out: string[] = [];
  let chars = 0;
  for (const sentence of all) {
    if (out.length >= 2 && chars >= length) break;
    out.push(sentence);
    chars += sentence.length + 1;
  }
  return out;
}

/** New content formatted like the old: numbered or bulleted lists keep their markers, leading/trailing newlines stay. */
function shapeLike(old: string, parts: string[]): string {
  const body = parts.length > 0 ? parts : ['Nothing to add.'];
  const firstLine = old.split('\n').find((line) => line.trim() !== '') ?? '';
  const lead = /^\s*\n/.test(old) ? '\n' : '';
  const tail = /\n\s*$/.test(old) ? '\n' : '';
  let text: string;
  if (/^\s*\d+[.)]\s/.test(firstLine)) text = body.map((s, i) => `${i + 1}. ${s}`).join('\n');
  else if (/^\s*[-*]\s/.test(firstLine)) text = body.map((s) => `- ${s}`).join('\n');
  else text = body.join(' ');
  return `${lead}${text}${tail}`;
}

const TAG = /<(\/?)([A-Za-z][\w:.-]*)\b[^<>]*?(\/?)>/g;

/** Replaces the content of the last top-level `<tag>…</tag>` pair; the template as is when it has none. */
export function replaceLastTagContent(template: string, replace: (old: string) => string): string {
  const open: Array<{ name: string; end: number }> = [];
  let last: { start: number; end: number } | undefined;
  for (const match of template.matchAll(TAG)) {
    const [whole, closing, name, selfClosing] = match;
    if (selfClosing) continue;
    if (!closing) {
      open.push({ name: String(name), end: match.index + whole.length });
      continue;
    }
    const at = open.findLastIndex((o) => o.name === name);
    if (at < 0) continue;
    const opener = open[at];
    open.length = at;
    if (at === 0 && opener) last = { start: opener.end, end: match.index };
  }
  if (!last) return template;
  return template.slice(0, last.start) + replace(template.slice(last.start, last.end)) + template.slice(last.end);
}

/** The answer cut at the first stop string and at max_tokens (4 characters a token), with its finish reason. */
export function applyLimits(text: string, stop: readonly string[], maxTokens: number | undefined) {
  let out = text;
  let finishReason: 'stop' | 'length' = 'stop';
  for (const s of stop) {
    const at = s === '' ? -1 : out.indexOf(s);
    if (at >= 0) out = out.slice(0, at);
  }
  if (maxTokens !== undefined && out.length > maxTokens * 4) {
    out = out.slice(0, maxTokens * 4);
    finishReason = 'length';
  }
  return { text: out, finishReason };
}

export const tokensOf = (text: string): number => Math.ceil(text.length / 4);

const EMBEDDING_DIMENSIONS = 256;
const STOPWORDS = new Set(['the', 'and', 'for', 'with', 'that', 'this', 'are', 'was', 'from', 'they', 'their', 'its']);

/**
 * A deterministic stand-in for an embedding model: a hashed bag of words (lower-cased words of three letters or more,
 * a plural "s" removed, common words skipped). Texts that share words get similar vectors, which is what retrieval
 * tests need; it knows nothing of meaning.
 */
export function fakeEmbedding(text: string): number[] {
  const vector = new Array<number>(EMBEDDING_DIMENSIONS).fill(0);
  for (const raw of text.toLowerCase().match(/[a-z]{3,}/g) ?? []) {
    if (STOPWORDS.has(raw)) continue;
    const word = raw.length > 3 && raw.endsWith('s') ? raw.slice(0, -1) : raw;
    let hash = 2166136261;
    for (let i = 0; i < word.length; i++) hash = Math.imul(hash ^ word.charCodeAt(i), 16777619);
    const at = (hash >>> 0) % EMBEDDING_DIMENSIONS;
    vector[at] = (vector[at] ?? 0) + 1;
  }
  return vector;
}
