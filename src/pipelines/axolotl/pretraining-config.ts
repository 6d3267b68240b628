/**
 * The two Axolotl configs the composition writes (blueprint §8): `pretraining_run/axolotl_pretraining_config.yaml`
 * and, later, `sft_run/sft_training_config.yaml`. Plain objects whose key order is the file's key order: the §8.1
 * base keys with their defaults, then the W&B keys, then the hub keys, then the user's extra keys merged over all of
 * it (an existing key keeps its place, a new one is appended).
 *
 * Fixes of the original: `sequence_len` comes from context_length (⚠ §8.1: it wrote a useless `sequence_length`
 * and always trained at 5000), and the user's extra keys may override any key (⚠ §8.2: num_epochs,
 * dataset_prepared_path or output_dir in other_finetune_kwargs crashed with a duplicate keyword).
 */
export { toYaml } from './yaml.ts';

export type AxolotlConfig = Record<string, unknown>;

export interface AxolotlDataset {
  path: string;
  type: 'completion' | 'input_output';
}

interface CommonInput {
  /** model_training.context_length; the original's effective 5000 when absent. */
  contextLength?: number;
  hubModelId?: string | null;
  /** Defaults to all_checkpoints (the config's default) when a hub model id is set. */
  hubStrategy?: string | null;
  wandbProject?: string | null;
  otherKwargs?: Record<string, unknown>;
}

export interface PretrainingConfigInput extends CommonInput {
  baseModel: string;
  /** File names inside pretraining_run/, in order; all read as completion text (field `text`). */
  datasets: readonly string[];
}

export interface SftConfigInput extends CommonInput {
  baseModel: string;
  /** The pretraining run's hub model id: the SFT continues from the pushed pretrained model when it is set. */
  pretrainHubModelId?: string | null;
  /** Paths relative to sft_run/ with their Axolotl type. */
  datasets: readonly AxolotlDataset[];
}

const PLACEHOLDER = '!!PLACEHOLDER!!';

/** Set = a non-blank string that is not (or does not contain) the config template's placeholder marker. */
export function isSet(value: string | null | undefined): value is string {
  return typeof value === 'string' && value.trim() !== '' && !value.includes(PLACEHOLDER);
}

interface BaseInput {
  baseModel: string;
  datasets: readonly AxolotlDataset[];
  sequenceLen: number;
  datasetPreparedPath: string;
  outputDir: string;
  numEpochs: number;
}

/** §8.1, in order. eval_batch_size is 4: the original's dict literal sets it twice and the last value wins. */
function baseConfig(input: BaseInput): AxolotlConfig {
  return {
    base_model: input.baseModel,
    tokenizer_type: 'AutoTokenizer',
    model_type: 'AutoModelForCausalLM',
    load_in_8bit: false,
    load_in_4bit: false,
    strict: false,
    datasets: input.datasets.map((dataset) => ({ path: dataset.path, type: dataset.type })),
    dataset_prepared_path: input.datasetPreparedPath,
    output_dir: input.outputDir,
    seed: 1337,
    sequence_len: input.sequenceLen,
    sample_packing: true,
    pad_to_sequence_len: false,
    shuffle_merged_datasets: true,
    gradient_accumulation_steps: 75,
    micro_batch_size: 2,
    eval_batch_size: 4,
    num_epochs: input.numEpochs,
    optimizer: 'paged_adamw_8bit',
    lr_scheduler: 'constant',
    learning_rate: 2.0e-5,
    noisy_embedding_alpha: 5,
    weight_decay: 0,
    train_on_inputs: false,
    group_by_length: false,
    bf16: true,
    fp16: false,
    tf32: false,
    gradient_checkpointing: true,
    logging_steps: 1,
    xformers_attention: false,
    flash_attention: true,
    chat_template: 'chatml',
    auto_resume_from_checkpoints: false,
    warmup_ratio: 0.1,
    evals_per_epoch: 1,
    val_set_size: 0.04,
    saves_per_epoch: 1,
    eval_sample_packing: false,
    save_total_limit: 2,
    special_tokens: { pad_token: '<unk>' },
    use_liger_kernel: true,
    plugins: ['axolotl.integrations.liger.LigerPlugin'],
    liger_rope: true,
    liger_rms_norm: true,
    liger_glu_activation: true,
    liger_layer_norm: true,
    liger_fused_linear_cross_entropy: true,
  };
}

function finish(config: AxolotlConfig, input: CommonInput): AxolotlConfig {
  if (isSet(input.wandbProject)) {
    Object.assign(config, {
      wandb_project: input.wandbProject,
      wandb_entity: '',
      wandb_watch: '',
      wandb_run_id: '',
      wandb_log_model: '',
    });
  }
  if (isSet(input.hubModelId)) {
    config['hub_model_id'] = input.hubModelId;
    config['hub_strategy'] = isSet(input.hubStrategy) ? input.hubStrategy : 'all_checkpoints';
  }
  for (const [key, value] of Object.entries(input.otherKwargs ?? {})) {
    if (value === undefined) continue;
    if (key === 'pad_token') {
      // The original read pad_token from the kwargs into special_tokens; Axolotl has no top-level pad_token key.
      config['special_tokens'] = { ...(config['special_tokens'] as object), pad_token: value };
      continue;
    }
    // defineProperty, not assignment: a "__proto__" key from a user's YAML stays a plain (if useless) key.
    Object.defineProperty(config, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return config;
}

export function buildPretrainingConfig(input: PretrainingConfigInput): AxolotlConfig {
  const config = baseConfig({
    baseModel: input.baseModel,
    datasets: input.datasets.map((path) => ({ path, type: 'completion' })),
    sequenceLen: input.contextLength ?? 5000,
    datasetPreparedPath: 'last_run_prepared',
    outputDir: './model-output',
    numEpochs: 12,
  });
  return finish(config, input);
}

/** §8.2: the SFT config continues from the pretrained model with its own epochs, prepared-data path and output dir. */
export function buildSftConfig(input: SftConfigInput): AxolotlConfig {
  const config = baseConfig({
    baseModel: isSet(input.pretrainHubModelId) ? input.pretrainHubModelId : input.baseModel,
    datasets: input.datasets,
    sequenceLen: input.contextLength ?? 5000,
    datasetPreparedPath: 'last_finetune_prepared',
    outputDir: './finetune-model-output',
    numEpochs: 5,
  });
  return finish(config, input);
}
