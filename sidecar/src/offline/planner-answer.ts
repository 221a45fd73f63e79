import type { Answer, AnswerInput } from './answer-types';
import { brokenPlan, planFor, repairPlan } from './plans';
import { stripDirectives } from './prompt-text';
import { messageText, promptKey, type MessagesRequest } from './wire';

/** The planner's tool (sidecar/src/planner): a request offering it is a planning call. */
export const SUBMIT_TOOL = 'submit_workflow_script';

export function isPlannerRequest(req: MessagesRequest): boolean {
  return req.toolChoice.type !== 'none' && req.tools.some((t) => t.name === SUBMIT_TOOL);
}

/**
 * The task inside the planner's message: after a `Task:` label up to the `Input` section
 * (as sidecar/src/planner writes it), or inside `<task>` tags, else the whole message.
 * Only the task is matched against plan keywords, so the planner's own wording around it
 * cannot pick the plan.
 */
export function taskOf(message: string): string {
  const tagged = /<task>([\s\S]*?)<\/task>/i.exec(message);
  if (tagged) return tagged[1].trim();
  const labelled = /(?:^|\n)Task:[ \t]*\n?([\s\S]*?)(?=\n\s*\n(?:Input\b|Tools\b|At most\b)|$)/.exec(message);
  if (labelled && labelled[1].trim()) return labelled[1].trim();
  return message.trim();
}

/**
 * A request is a repair when the conversation already holds a submitted script (the planner
 * sends the check's error back as a tool_result), or when a user message quotes a ```js
 * block as a previous (or failed) attempt together with its error.
 */
export function isRepairRequest(req: MessagesRequest): boolean {
  const submitted = req.messages.some(
    (m) => m.role === 'assistant' && m.content.some((b) => b.type === 'tool_use' && b.name === SUBMIT_TOOL),
  );
  if (submitted) return true;
  return req.messages.some((m) => {
    if (m.role !== 'user') return false;
    const text = messageText(m);
    return (
      /```(?:js|javascript)\b/i.test(text) &&
      /\berror\b/i.test(text) &&
      /\b(?:previous|earlier|last|failed)\s+(?:attempt|script|try)\b/i.test(text)
    );
  });
}

export function answerPlanner({ req, directives, idPrefix }: AnswerInput): Answer {
  const task = stripDirectives(taskOf(promptKey(req))).trim() || 'the task';
  const repair = isRepairRequest(req);
  const plan = repair ? repairPlan(task) : directives.brokenPlan ? brokenPlan(directives.brokenPlan) : planFor(task);
  return {
    kind: repair ? 'repair' : 'plan',
    content: [{ type: 'tool_use', id: `${idPrefix}0`, name: SUBMIT_TOOL, input: { script: plan.script, summary: plan.summary } }],
    stopReason: 'tool_use',
  };
}
