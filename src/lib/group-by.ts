/**
 * Items grouped by a key, in first-seen order of keys and input order within a group. Linear: each item is pushed
 * onto its group's array (Map.groupBy does the same but needs Node 21; the service runs on Node 20 too).
 */
export function groupBy<T, K>(items: Iterable<T>, keyOf: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}
