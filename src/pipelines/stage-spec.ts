/**
 * What the stage graph knows of a stage kind: its name, what it needs, the config section it answers to, how many
 * instances a config asks for, and whether the config switches it off. Every stage definition is one; so are the
 * kinds the job layer provides (ingest) and those of the composition this version cannot run yet (see stages.ts).
 */
import type { CompositionConfig } from '../config/composition/schema.ts';

export interface StageRef {
  kind: string;
}

export interface StageInstance {
  /** Defaults to the kind; numbered instances are `kind/param/…` (factual_sft/negative/0). */
  name: string;
  params: Record<string, unknown>;
}

export interface StageSpec extends StageRef {
  needs: readonly StageRef[];
  /** The config section this stage answers to (named in warnings when the stage cannot run). */
  configPath: string;
  /** The instances a config asks for; one instance named after the kind when absent. */
  instances?(config: CompositionConfig): StageInstance[];
  /** The name of the instance with these params (how `outputsOf`/`resultOf` find one instance of a numbered kind). */
  instanceName?(params: Record<string, unknown>): string;
  /** Why the config switches this stage off, or undefined when it runs. */
  disabledBy?(config: CompositionConfig): string | undefined;
}
