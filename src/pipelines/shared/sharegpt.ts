/** The ShareGPT conversation record (blueprint §4): an optional system turn first, then human/gpt turns. */
import { z } from 'zod';

export const ShareGptTurnSchema = z.object({ from: z.enum(['system', 'human', 'gpt']), value: z.string() });
export const ShareGptConversationSchema = z.object({ conversations: z.array(ShareGptTurnSchema) });

export type ShareGptTurn = z.infer<typeof ShareGptTurnSchema>;
export type ShareGptConversation = z.infer<typeof ShareGptConversationSchema>;
