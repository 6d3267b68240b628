/** JSON Lines as every output file of the tree writes it: one record per line, a final newline, empty when none. */
export function jsonLines(lines: readonly string[]): string {
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

export function toJsonl(records: readonly unknown[]): string {
  return jsonLines(records.map((r) => JSON.stringify(r)));
}

/**
 * Records in an output file, for the run's ledger: non-empty lines of JSON Lines, entries of a JSON array; undefined
 * for anything else (YAML, Markdown, a JSON object).
 */
export function countRecords(path: string, content: string | Uint8Array): number | undefined {
  const text = typeof content === 'string' ? content : Buffer.from(content).toString('utf8');
  if (path.endsWith('.jsonl')) {
    let count = 0;
    for (const line of text.split('\n')) if (line.trim() !== '') count++;
    return count;
  }
  if (path.endsWith('.json')) {
    try {
      const value: unknown = JSON.parse(text);
      return Array.isArray(value) ? value.length : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Non-empty lines of JSON Lines counted piece by piece, as a file written in pieces passes (a line may span pieces). */
export class JsonlLineCounter {
  private lines = 0;
  private inLine = false;

  add(piece: string): void {
    for (let i = 0; i < piece.length; i++) {
      const code = piece.charCodeAt(i);
      if (code === 10) {
        if (this.inLine) this.lines++;
        this.inLine = false;
      } else if (code > 32) this.inLine = true;
    }
  }

  get count(): number {
    return this.lines + (this.inLine ? 1 : 0);
  }
}
