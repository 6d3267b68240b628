/** JSON Lines as every output file of the tree writes it: one record per line, a final newline, empty when none. */
export function jsonLines(lines: readonly string[]): string {
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

export function toJsonl(records: readonly unknown[]): string {
  return jsonLines(records.map((r) => JSON.stringify(r)));
}
