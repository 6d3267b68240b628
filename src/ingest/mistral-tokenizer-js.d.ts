/** The package ships no types; this is the part of its API the tokenizer uses. */
declare module 'mistral-tokenizer-js' {
  interface MistralTokenizerJs {
    encode(text: string, addBosToken?: boolean, addPrecedingSpace?: boolean, logPerformance?: boolean): number[];
    decode(tokenIds: number[], addBosToken?: boolean, addPrecedingSpace?: boolean): string;
    /** Token strings by id; spaces appear as U+2581, bytes as `<0xNN>`. */
    vocabById: string[];
    vocabByString: Map<string, number>;
    /** `"<left> <right>"` → merge priority (lower merges first). */
    merges: Map<string, number>;
  }
  const tokenizer: MistralTokenizerJs;
  export default tokenizer;
}
