/**
 * Rejoins the lines of PDF text into sentences (the original's "remove newlines inside sentences", §2.1), keeping
 * what the original lost: blank lines stay paragraph breaks. Within a paragraph a line that does not end a sentence
 * is joined to the next with a space; a word hyphenated across lines is rejoined; lone page numbers are dropped.
 * Lines that end a sentence keep their newline, as in the original.
 */

/** A line ends a sentence when it ends in . ! ? : (or their full-width forms), optionally followed by closers. */
const SENTENCE_END = /[.!?:…。！？：]["'”’»)\]}」』]*$/u;

/** A hyphen (or soft hyphen) ending a line, after a letter. */
const LINE_HYPHEN = /\p{L}[-\u00ad]$/u;

const PAGE_NUMBER = [
  /^\d{1,4}$/, // 12
  /^(?:page|p\.)\s*\d{1,4}(?:\s*(?:of|\/)\s*\d{1,4})?$/i, // Page 12, Page 3 of 40
  /^\d{1,4}\s*(?:of|\/)\s*\d{1,4}$/i, // 3 of 40, 3/40
  /^[-–—]+\s*\d{1,4}(?:\s*of\s*\d{1,4})?\s*[-–—]+$/i, // - 12 -, -- 3 of 40 -- (pdf-parse's page joiner)
  /^[ivxlc]{1,7}$/, // front matter: iv, xii (lower case only: a capital "I" is a word)
];

export function isPageNumberLine(line: string): boolean {
  return PAGE_NUMBER.some((re) => re.test(line));
}

function joinParagraph(lines: string[]): string {
  // Parts and their separators are collected and joined once: appending to one growing string and testing its end
  // with a regex would rescan the whole paragraph for every line.
  const parts: string[] = [];
  let last = '';
  for (const line of lines) {
    if (parts.length === 0) {
      parts.push(line);
    } else if (SENTENCE_END.test(last)) {
      parts.push('\n', line);
    } else if (LINE_HYPHEN.test(last)) {
      // "infor-\nmation" → "information"; a capitalised continuation keeps its hyphen ("Jean-\nPaul" → "Jean-Paul").
      // A soft hyphen only ever marks a break, so it always goes.
      if (last.endsWith('\u00ad') || /^\p{Ll}/u.test(line))
        parts[parts.length - 1] = (parts.at(-1) as string).slice(0, -1);
      parts.push(line);
    } else {
      parts.push(' ', line);
    }
    last = line;
  }
  return parts.join('');
}

export function joinPdfLines(text: string): string {
  const paragraphs: string[] = [];
  let current: string[] = [];
  const flush = () => {
    if (current.length > 0) paragraphs.push(joinParagraph(current));
    current = [];
  };
  for (const raw of text.replace(/\r\n?/g, '\n').split('\n')) {
    const line = raw.trim();
    if (line === '') flush();
    else if (!isPageNumberLine(line)) current.push(line);
  }
  flush();
  return paragraphs.join('\n\n');
}
