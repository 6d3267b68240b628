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
