/** Which files of a dataset repo are its train split, as the Hub's data-file conventions decide. */
import { describe, expect, it } from 'vitest';
import { trainSplitFiles } from '../../../src/hub/data-files.ts';

const paths = (files: ReturnType<typeof trainSplitFiles>) => files.map((f) => f.path);

describe('trainSplitFiles', () => {
  it('takes every data file of a repo whose files name no split, skipping other files', () => {
    expect(
      paths(trainSplitFiles(['README.md', '.gitattributes', 'b.jsonl', 'a.jsonl', 'notes.txt', '.hidden/x.jsonl'])),
    ).toEqual(['a.jsonl', 'b.jsonl']);
  });

  it('takes only the files named for the train split when splits are named', () => {
    expect(
      paths(
        trainSplitFiles([
          'data/train-00001-of-00002.parquet',
          'data/train-00000-of-00002.parquet',
          'data/test-00000-of-00001.parquet',
          'data/validation-00000-of-00001.parquet',
        ]),
      ),
    ).toEqual(['data/train-00000-of-00002.parquet', 'data/train-00001-of-00002.parquet']);
    // A train folder counts; of two formats with one file each, JSON Lines is read before JSON.
    expect(paths(trainSplitFiles(['train/part-0.jsonl', 'test/part-0.jsonl', 'my_train.json']))).toEqual([
      'train/part-0.jsonl',
    ]);
  });

  it('does not mistake a word containing "train" for the split', () => {
    expect(paths(trainSplitFiles(['constraints.jsonl', 'test.jsonl']))).toEqual(['constraints.jsonl']);
  });

  it('reads one format when a repo carries the same data in several (the most files, Parquet on a tie)', () => {
    expect(paths(trainSplitFiles(['train.jsonl', 'train.parquet']))).toEqual(['train.parquet']);
    expect(paths(trainSplitFiles(['a.jsonl', 'b.jsonl', 'c.parquet']))).toEqual(['a.jsonl', 'b.jsonl']);
  });

  it('finds nothing when the repo has only other splits or no data files', () => {
    expect(trainSplitFiles(['test.jsonl', 'validation.jsonl'])).toEqual([]);
    expect(trainSplitFiles(['README.md', 'script.py'])).toEqual([]);
  });
});
