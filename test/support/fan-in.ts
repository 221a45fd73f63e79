import type { WorkflowJson } from '../../scripts/lib';
import { readExample } from './n8n';
import { DYNAMIC_WORKFLOW_TYPE, nodeOfType, webhookPathOf } from './workflows';

/** The fan-in example: items → one run each → Wait for Convergence over all of them → one POST per output. */
export const EXAMPLE_FAN_IN = 'fan-in-items.json';

/**
 * The fan-in example as the e2e tests run it: each run executes a short script of its own
 * (`{n, answer}` from one agent; no planning) instead of a generated one, and an item with
 * `hold: true` stops its run at plan approval, so a test decides when the runs end.
 */
export function fanInVariant(): WorkflowJson {
  const wf = readExample(EXAMPLE_FAN_IN);
  const start = nodeOfType(wf, DYNAMIC_WORKFLOW_TYPE);
  Object.assign(start.parameters, {
    input: '={{ { n: $json.n } }}',
    scriptMode: 'script',
    script: "return { n: args.n, answer: await agent('Answer for fan-in item ' + args.n) };",
    approvePlan: '={{ $json.hold === true }}',
  });
  return wf;
}

export const fanInPath = (): string => webhookPathOf(readExample(EXAMPLE_FAN_IN));
export const fanInWorkflowId = (): string => readExample(EXAMPLE_FAN_IN).id ?? '';
