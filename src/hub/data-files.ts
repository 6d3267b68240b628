/**
 * Which files of a dataset repo hold its `train` split, following the Hub's conventions for repos without a loading
 * script: data files are JSON Lines, JSON or Parquet; files named for a split (`train.jsonl`,
 * `data/train-00000-of-00001.parquet`, `train/part-0.jsonl`) belong to it; a repo whose files name no split is all
 * train. When a repo carries the same data in several formats, the format with the most files wins (Parquet first
 * on a tie), so rows are never read twice. Pure.
 */
export type DataFormat = 'jsonl' | 'json' | 'parquet';

export interface DataFile {
  path: string;
  format: DataFormat;
}

const FORMAT_BY_EXTENSION: Record<string, DataFormat> = {
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.json': 'json',
  '.parquet': 'parquet',
};
const FORMAT_PREFERENCE: DataFormat[] = ['parquet', 'jsonl', 'json'];

/** A split name as a whole word of a path segment: `train`, `train-0001`, `my_train.jsonl`, `train/…`. */
const splitPattern = (names: string) => new RegExp(`(^|[/_.\\- ])(${names})([/_.\\- ]|\\d|$)`, 'i');
const TRAIN = splitPattern('train|training');
const OTHER_SPLITS = splitPattern('test|testing|eval|evaluation|validation|valid|val|dev');

export function formatOf(path: string): DataFormat | undefined {
  const lower = path.toLowerCase();
  const extension = Object.keys(FORMAT_BY_EXTENSION).find((e) => lower.endsWith(e));
  return extension ? FORMAT_BY_EXTENSION[extension] : undefined;
}

/** The train split's files, sorted by path; empty when the repo has none (the caller says why). */
export function trainSplitFiles(paths: readonly string[]): DataFile[] {
  const data = paths
    .filter((p) => !p.split('/').some((segment) => segment.startsWith('.')))
    .flatMap((path) => {
      const format = formatOf(path);
      return format ? [{ path, format }] : [];
    });
  const train = data.filter((f) => TRAIN.test(f.path));
  const chosen = train.length > 0 ? train : data.filter((f) => !OTHER_SPLITS.test(f.path));
  const counts = new Map<DataFormat, number>();
  for (const f of chosen) counts.set(f.format, (counts.get(f.format) ?? 0) + 1);
  const format = FORMAT_PREFERENCE.reduce<DataFormat | undefined>(
    (best, f) => ((counts.get(f) ?? 0) > (best ? (counts.get(best) ?? 0) : 0) ? f : best),
    undefined,
  );
  return chosen.filter((f) => f.format === format).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
