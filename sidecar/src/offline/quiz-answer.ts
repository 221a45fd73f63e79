import { quizAnswer, type QuizKnobs } from '../verification/quiz';
import { STRUCTURED_OUTPUT_TOOL } from './agent-answer';
import type { Answer } from './answer-types';
import { promptKey, type MessagesRequest } from './wire';

/**
 * Quiz mode: prompts carrying a `[quiz:…]` marker are answered against the question bank's
 * ground truth, wrong with the knob's error rate. Null for any other prompt.
 */
export function answerQuiz(req: MessagesRequest, knobs: QuizKnobs, idPrefix: string): Answer | null {
  const structured = req.tools.find((t) => t.name === STRUCTURED_OUTPUT_TOOL);
  const schema = structured?.input_schema ?? req.jsonSchema ?? null;
  const system = req.system.map((b) => (typeof b.text === 'string' ? b.text : '')).join('\n');
  const reply = quizAnswer({ prompt: promptKey(req), system, wants: schema ? { schema } : 'text' }, knobs);
  if (reply === null) return null;
  if ('text' in reply) return { kind: 'text', content: [{ type: 'text', text: reply.text }], stopReason: 'end_turn' };
  return structured
    ? {
        kind: 'structured',
        content: [{ type: 'tool_use', id: `${idPrefix}0`, name: STRUCTURED_OUTPUT_TOOL, input: reply.json }],
        stopReason: 'tool_use',
      }
    : { kind: 'json', content: [{ type: 'text', text: JSON.stringify(reply.json) }], stopReason: 'end_turn' };
}
