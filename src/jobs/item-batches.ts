/**
 * The database work every item does, shared by the items of one worker that start or settle together: the read of an
 * item with its run and stage when its job starts, and the record of its outcome followed by "has its stage an item
 * still pending?". Those three statements per item were most of a run's statements (9,500 of 13,700 in the default
 * composition), and on this machine a statement costs the worker ~0.25 ms of its thread (mostly the socket write),
 * time in which the model's answers wait to be taken up and the next calls to be sent.
 *
 * A read waits for nothing (items taken up together are read together); an outcome waits a few milliseconds for
 * others, which delays only the item's own completion, never a model call. A batch that fails is done again item by
 * item, so an item whose outcome cannot be stored fails alone.
 */
import type { Db } from '../db/client.ts';
import {
  getItemsWithRun,
  getItemWithRun,
  hasPending,
  type ItemOutcome,
  type ItemRef,
  recordItemOutcome,
  recordItemOutcomes,
  refId,
  stageRefId,
  stagesWithPending,
} from '../db/queries/run-items.ts';
import { Batcher } from '../llm/batcher.ts';

export type ItemWithRun = NonNullable<Awaited<ReturnType<typeof getItemWithRun>>>;

export interface Settled {
  /** Whether this outcome was recorded (false: the item had settled already, a job delivered twice). */
  recorded: boolean;
  /**
   * Whether the stage had no pending item left once the outcome was stored: the stage's end, which asks for an
   * advance. True for one item of a stage per batch.
   */
  stageSettled: boolean;
}

/** How long an outcome waits for others to share its statements. */
export const SETTLE_WINDOW_MS = 10;

export class ItemBatches {
  private readonly reads: Batcher<ItemRef, ItemWithRun | undefined>;
  /** Each outcome's own result: one refused by the database must not fail the others of its batch. */
  private readonly settles: Batcher<ItemOutcome, PromiseSettledResult<Settled>>;

  constructor(
    private readonly db: Db,
    options: { settleWindowMs?: number } = {},
  ) {
    this.reads = new Batcher((refs) => (refs.length === 1 ? this.readOne(refs) : this.readMany(refs)));
    this.settles = new Batcher((outcomes) => this.settleMany(outcomes), {
      windowMs: options.settleWindowMs ?? SETTLE_WINDOW_MS,
    });
  }

  /** The item with its run and stage, or undefined when it does not exist. */
  read(ref: ItemRef): Promise<ItemWithRun | undefined> {
    return this.reads.push(ref);
  }

  /** Records the item's outcome exactly once, and says whether its stage has settled with it. */
  async settle(outcome: ItemOutcome): Promise<Settled> {
    const result = await this.settles.push(outcome);
    if (result.status === 'rejected') throw result.reason;
    return result.value;
  }

  private async readOne([ref]: ItemRef[]): Promise<Array<ItemWithRun | undefined>> {
    const { runId, stage, key } = ref as ItemRef;
    return [await getItemWithRun(this.db, runId, stage, key)];
  }

  private async readMany(refs: ItemRef[]): Promise<Array<ItemWithRun | undefined>> {
    try {
      const rows = new Map((await getItemsWithRun(this.db, refs)).map((row) => [refId(row.item), row]));
      return refs.map((ref) => rows.get(refId(ref)));
    } catch {
      return Promise.all(refs.map((ref) => this.readOne([ref]).then(([row]) => row)));
    }
  }

  private async settleMany(outcomes: ItemOutcome[]): Promise<Array<PromiseSettledResult<Settled>>> {
    let recorded: Set<string>;
    try {
      recorded = new Set((await recordItemOutcomes(this.db, outcomes)).map(refId));
    } catch (error) {
      if (outcomes.length === 1) return [{ status: 'rejected', reason: error }];
      // Alone, each outcome succeeds or fails on its own (a batch-wide error, such as a lost connection, fails each).
      return Promise.allSettled(outcomes.map((o) => this.settleOne(o)));
    }
    const pending = new Set((await stagesWithPending(this.db, outcomes)).map(stageRefId));
    const announced = new Set<string>();
    const claimed = new Set<string>();
    return outcomes.map((o) => {
      const id = refId(o);
      const stage = stageRefId(o);
      // An item given twice in one batch is recorded once, by its first entry.
      const isRecorded = recorded.has(id) && !claimed.has(id);
      claimed.add(id);
      const stageSettled = !pending.has(stage) && !announced.has(stage);
      if (stageSettled) announced.add(stage);
      return { status: 'fulfilled', value: { recorded: isRecorded, stageSettled } };
    });
  }

  private async settleOne(outcome: ItemOutcome): Promise<Settled> {
    const { runId, stage, key, ...result } = outcome;
    const recorded = await recordItemOutcome(this.db, runId, stage, key, result);
    return { recorded, stageSettled: !(await hasPending(this.db, runId, stage)) };
  }
}
