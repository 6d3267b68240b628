/** What text extraction reports about a file, stored with the file (`files.stats`) and shown by the API. */
export interface ExtractionStats {
  /** Invalid UTF-8 sequences replaced by U+FFFD. */
  replacedChars?: number;
  /** jsonl/json: records read, and the lines that could not be used, with their line numbers. */
  records?: number;
  badLines?: BadLine[];
  badLineCount?: number;
  pages?: number;
  /** PDF: page furniture removed before anything reads the text (src/ingest/page-furniture.ts). */
  pageFurniture?: { runningLines: number; pageNumbers: number; tocLines: number; blankPageNotices: number };
}

export interface BadLine {
  /** 1-based line number (for a `.json` array: the 1-based item number). */
  line: number;
  reason: string;
}
