import { answerAgent } from './agent-answer';
import { answerPlanner, isPlannerRequest } from './planner-answer';
import type { Answer, AnswerInput } from './answer-types';

export type { Answer, AnswerBlock, AnswerInput, AnswerKind } from './answer-types';

export function composeAnswer(input: AnswerInput): Answer {
  return isPlannerRequest(input.req) ? answerPlanner(input) : answerAgent(input);
}
