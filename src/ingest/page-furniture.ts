/**
 * Page furniture in PDF text, removed deterministically before anything reads the text (blueprint §2.1 left it in
 * every chunk): running headers and footers — lines that recur in the top or bottom lines of many pages, compared
 * with their page numbers blanked out ("21 January 2019 FM 1-05 iii" and "… iv" are one header) —, lone page
 * numbers at the top or bottom of a page, table-of-contents lines with dot leaders, and "this page intentionally
 * left blank" notices. Works per page; counts what it removed for the file's extraction report. Pure.
 */
import { isPageNumberLine } from './pdf-lines.ts';

export interface FurnitureRemoved {
  runningLines: number;
  pageNumbers: number;
  tocLines: number;
  blankPageNotices: number;
}

/** Lines at each end of a page looked at for headers and footers. */
const EDGE_LINES = 3;
/** A line is a running header or footer when it recurs at a page edge on this share of pages (and on at least 3). */
const RECURRENCE = 0.25;
const MIN_PAGES = 3;

/** A page reference: `12`, `iii`, `1-1`, `A-3`, `Glossary-2`. */
const PAGE_REF = '(?:(?:[a-z]{1,12}|\\d{1,3})-)?(?:\\d{1,4}|[ivxlc]{1,7})';
/** Dot leaders ending in a page reference. */
const TOC_LINE = new RegExp(`(?:\\.\\s?){4,}\\s*${PAGE_REF}\\s*$`, 'i');
const BLANK_PAGE = /^\(?\s*this page (?:is )?intentionally (?:left )?blank\.?\s*\)?$/i;

/** A header or footer line with its page number blanked, so the same furniture on every page compares equal. */
function furnitureKey(line: string): string {
  return line
    .trim()
    .replace(/\s+/g, ' ')
    .replace(new RegExp(`^${PAGE_REF}\\s+`, 'i'), '# ')
    .replace(new RegExp(`\\s+${PAGE_REF}$`, 'i'), ' #')
    .replace(/\d+/g, '#')
    .toLowerCase();
}

function edgeIndexes(lines: readonly string[]): number[] {
  const filled = lines.map((line, i) => (line.trim() === '' ? -1 : i)).filter((i) => i >= 0);
  return [...new Set([...filled.slice(0, EDGE_LINES), ...filled.slice(-EDGE_LINES)])];
}

export function removePageFurniture(pages: readonly string[]): { pages: string[]; removed: FurnitureRemoved } {
  const removed: FurnitureRemoved = { runningLines: 0, pageNumbers: 0, tocLines: 0, blankPageNotices: 0 };
  const split = pages.map((page) => page.split('\n'));
  const recurring = new Set<string>();
  if (pages.length >= MIN_PAGES) {
    const pagesWithKey = new Map<string, number>();
    for (const lines of split) {
      const keys = new Set(edgeIndexes(lines).map((i) => furnitureKey(lines[i] as string)));
      for (const key of keys) pagesWithKey.set(key, (pagesWithKey.get(key) ?? 0) + 1);
    }
    const needed = Math.max(MIN_PAGES, Math.ceil(pages.length * RECURRENCE));
    for (const [key, count] of pagesWithKey) if (count >= needed && /[a-z]/.test(key)) recurring.add(key);
  }
  const out = split.map((lines) => {
    const edges = new Set(edgeIndexes(lines));
    return lines
      .filter((line, i) => {
        const trimmed = line.trim();
        if (trimmed === '') return true;
        if (BLANK_PAGE.test(trimmed)) {
          removed.blankPageNotices++;
          return false;
        }
        if (TOC_LINE.test(trimmed)) {
          removed.tocLines++;
          return false;
        }
        if (!edges.has(i)) return true;
        if (isPageNumberLine(trimmed)) {
          removed.pageNumbers++;
          return false;
        }
        if (recurring.has(furnitureKey(trimmed))) {
          removed.runningLines++;
          return false;
        }
        return true;
      })
      .join('\n');
  });
  return { pages: out, removed };
}
