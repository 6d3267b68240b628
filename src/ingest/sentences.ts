/**
 * Rule-based sentence splitting, standing in for NLTK punkt where the chunker needs to cut an over-long paragraph.
 * A missed boundary only makes a piece longer (the chunker then falls back to words), while a false boundary cuts a
 * sentence in two, so every rule errs towards not splitting.
 */

export interface Span {
  start: number;
  end: number;
}

/** Sentence-final marks. The CJK full-width ones end a sentence without a following space. */
const TERMINATORS = new Set(['.', '!', '?', '…', '‼', '⁇', '⁈', '⁉', '。', '！', '？', '｡']);
const CJK_TERMINATORS = new Set(['。', '！', '？', '｡']);
/** Closing quotes and brackets that belong to the sentence they follow. */
const CLOSERS = new Set(['"', "'", '”', '’', '»', '›', ')', ']', '}', '」', '』', '】', '〉', '》', '）', '］', '｝']);

/** Abbreviations that never end a sentence in practice: titles and ranks precede a name. */
const TITLES = new Set(
  'mr mrs ms dr prof sr jr st mt ft gen col lt sgt capt maj cpl pvt adm cmdr gov sen rep rev hon pres supt insp messrs mme mlle'.split(
    ' ',
  ),
);
/** Abbreviations usually followed by more of the same sentence. */
const ABBREVIATIONS = new Set(
  'e.g i.e cf vs viz al approx ca est dept univ inc ltd co corp jan feb mar apr jun jul aug sep sept oct nov dec mon tue wed thu fri sat sun'.split(
    ' ',
  ),
);
/** Abbreviations that are only abbreviations before a number: "No. 5", but "I said no. Then…". */
const BEFORE_NUMBER = new Set('no nos fig figs vol vols p pp art sec ch para eq ref tab'.split(' '));

const isSpace = (c: string | undefined) => c !== undefined && /\s/.test(c);
const isLower = (c: string | undefined) => c !== undefined && /\p{Ll}/u.test(c);
const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

/** The word just before a period at `dot`, without leading brackets or quotes. */
function wordBefore(text: string, dot: number): { word: string; lineStart: boolean } {
  let i = dot;
  while (i > 0 && !isSpace(text[i - 1])) i--;
  const raw = text.slice(i, dot).replace(/^[("'“‘«[¿¡]+/u, '');
  let j = i - 1;
  while (j >= 0 && (text[j] === ' ' || text[j] === '\t')) j--;
  return { word: raw, lineStart: j < 0 || text[j] === '\n' };
}

/** Whether a single "." at `dot`, followed by whitespace and then `next`, ends a sentence. */
function periodEnds(text: string, dot: number, next: string | undefined): boolean {
  const { word, lineStart } = wordBefore(text, dot);
  const lower = word.toLowerCase();
  if (TITLES.has(lower) || ABBREVIATIONS.has(lower)) return false;
  if (BEFORE_NUMBER.has(lower) && isDigit(next)) return false;
  // Initials ("J. R. R. Tolkien") and dotted acronyms ("U.S.", "Ph.D.").
  if (/^\p{Lu}$/u.test(word) || /^(?:\p{L}{1,3}\.)+\p{L}{1,3}$/u.test(word)) return false;
  // List markers and numbered paragraphs at the start of a line: "1.", "1-11.", "a.", "IV.".
  if (lineStart && /^(?:\d+(?:[-.]\d+)*|[a-z]|[ivxlc]+|[IVXLC]+)$/.test(word)) return false;
  return true;
}

/**
 * Sentence spans of `text`, trimmed of surrounding whitespace and in order; the text between consecutive spans is
 * whitespace only.
 */
export function sentenceSpans(text: string): Span[] {
  const spans: Span[] = [];
  let start = 0;
  while (start < text.length && isSpace(text[start])) start++;
  let i = start;
  while (i < text.length) {
    const ch = text[i] as string;
    if (!TERMINATORS.has(ch)) {
      i++;
      continue;
    }
    const runStart = i;
    while (i < text.length && TERMINATORS.has(text[i] as string)) i++;
    const run = text.slice(runStart, i);
    // Closers, including French spacing before a closing guillemet: « Bonjour. »
    for (;;) {
      if (CLOSERS.has(text[i] as string)) i++;
      else if ((text[i] === ' ' || text[i] === '\u00a0' || text[i] === '\u202f') && text[i + 1] === '»') i += 2;
      else break;
    }
    const end = i;
    let next = i;
    while (next < text.length && isSpace(text[next])) next++;
    const cjk = CJK_TERMINATORS.has(run.at(-1) as string);
    if (next >= text.length) break;
    if (!cjk && next === end) continue; // "3.14", "example.com", "?!" inside a token
    const following = text[next];
    if (!cjk && isLower(following)) continue; // "e.g. the", "Wait... what"
    if (run === '.' && !periodEnds(text, runStart, following)) continue;
    spans.push({ start, end });
    start = next;
    i = next;
  }
  let end = text.length;
  while (end > start && isSpace(text[end - 1])) end--;
  if (end > start) spans.push({ start, end });
  return spans;
}

export function splitSentences(text: string): string[] {
  return sentenceSpans(text).map((s) => text.slice(s.start, s.end));
}
