import type { BrokenPlan } from './directives';

/**
 * The workflow scripts the offline planner writes. Each is plain script API (README.md, "The workflow script"):
 * `args`, `agent`, `parallel`, `phase`, `log`, top-level await, `return`. The task text is
 * embedded as a JSON string literal, so no task can break out of it.
 */
export type PlanKind = 'fan-out' | 'audit' | 'research' | 'generic' | 'repair' | `broken-${BrokenPlan}`;

export interface Plan {
  readonly kind: PlanKind;
  readonly script: string;
  /** For the person approving the plan (the submit tool's `summary`). */
  readonly summary: string;
}

/** Long tasks are cut where they are embedded in scripts: agents need the gist, not the whole brief. */
const MAX_TASK_CHARS = 4000;
const MAX_FAN_OUT = 100_000;

const FAN_OUT = [/\bfan[- ]?out\s+(?:to\s+|over\s+)?(\d+)/i, /\b(\d+)\s+(?:parallel\s+|independent\s+|concurrent\s+)?(?:sub-?)?agents\b/i];
const AUDIT = /\b(audit|review|security|vulnerabilit(?:y|ies)|bugs?|lint|inspect)\b/i;
const RESEARCH = /\b(research|question|investigate|find out|compare|explain)\b/i;

/** Picks the plan for a task by its wording: fan-out (with a count), audit, research, else generic. */
export function planFor(task: string): Plan {
  for (const re of FAN_OUT) {
    const m = re.exec(task);
    if (m) return fanOutPlan(task, Math.min(MAX_FAN_OUT, Math.max(1, Number(m[1]))));
  }
  if (AUDIT.test(task)) return auditPlan(task);
  if (RESEARCH.test(task) || task.trim().endsWith('?')) return researchPlan(task);
  return genericPlan(task);
}

const taskLiteral = (task: string): string => JSON.stringify(task.length > MAX_TASK_CHARS ? `${task.slice(0, MAX_TASK_CHARS)}…` : task);

export function fanOutPlan(task: string, n: number): Plan {
  const script = `export const meta = { name: 'fan-out', description: 'Independent agents in parallel, then collect their answers', phases: ['fan-out', 'collect'] };
const TASK = ${taskLiteral(task)};
const N = Number.isInteger(args?.n) && args.n > 0 ? args.n : ${n};
phase('fan-out');
const results = await parallel(Array.from({ length: N }, (_, i) => () =>
  agent(\`\${TASK}\\n\\nYou are agent \${i + 1} of \${N}: do your share and answer briefly.\`, { label: \`agent \${i + 1}\` })));
phase('collect');
const succeeded = results.filter((r) => r !== null).length;
log(\`\${succeeded} of \${N} agents answered\`);
return { agents: N, succeeded, failed: N - succeeded, results: results.slice(0, 100) };
`;
  return { kind: 'fan-out', script, summary: `Fan out to ${n} independent agents in parallel and collect their answers.` };
}

export function auditPlan(task: string): Plan {
  const script = `export const meta = { name: 'audit-files', description: 'Scan each file for problems, then let skeptics verify every finding', phases: ['scan', 'verify'] };
const TASK = ${taskLiteral(task)};
const FINDINGS = { type: 'object', properties: { findings: { type: 'array', maxItems: 5, items: { type: 'object',
  properties: { file: { type: 'string' }, line: { type: 'integer', minimum: 1 }, severity: { type: 'string', enum: ['low', 'medium', 'high'] }, issue: { type: 'string' } },
  required: ['file', 'severity', 'issue'] } } }, required: ['findings'] };
const VERDICT = { type: 'object', properties: { confirmed: { type: 'boolean' }, reason: { type: 'string' } }, required: ['confirmed', 'reason'] };
const files = Array.isArray(args?.files) ? args.files.filter((f) => typeof f === 'string') : [];
const targets = files.length > 0 ? files : ['the workspace'];
phase('scan');
const scans = await parallel(targets.map((target) => () =>
  agent(\`\${TASK}\\n\\nScan \${target} and report every problem you find, with its line.\`, { label: \`scan \${target}\`, schema: FINDINGS })));
const findings = [];
scans.forEach((scan, i) => {
  if (scan === null) return;
  for (const f of scan.findings) findings.push(files.length > 0 ? { ...f, file: targets[i] } : f);
});
const failedScans = scans.filter((s) => s === null).length;
log(\`\${findings.length} candidate findings from \${targets.length} scans (\${failedScans} failed)\`);
phase('verify');
const count = (x) => (Array.isArray(x) ? x.length : typeof x === 'number' ? x : 0);
let confirmed;
let refuted;
let unverified;
if (typeof verify === 'function') {
  const checked = await verify(findings, { skeptics: 2, quorum: 2, describe: (f) => \`\${f.file}: \${f.issue}\` });
  confirmed = checked.confirmed;
  refuted = count(checked.refuted);
  unverified = count(checked.unverified);
} else {
  const verdicts = await parallel(findings.map((f, i) => () =>
    agent(\`Try to refute this finding. Confirm it only if it holds up.\\n\\nTask: \${TASK}\\nFinding: \${JSON.stringify(f)}\`, { label: \`verify \${i + 1}\`, schema: VERDICT })));
  confirmed = findings.filter((_, i) => verdicts[i] !== null && verdicts[i].confirmed === true);
  refuted = verdicts.filter((v) => v !== null && v.confirmed !== true).length;
  unverified = verdicts.filter((v) => v === null).length;
}
return { scanned: targets.length, failedScans, candidates: findings.length, confirmed, refuted, unverified };
`;
  return {
    kind: 'audit',
    script,
    summary: 'Scan each input file for problems with a findings schema, then have skeptics verify every finding.',
  };
}

export function researchPlan(task: string): Plan {
  const script = `export const meta = { name: 'research', description: 'Explore the question from several angles, then summarise', phases: ['explore', 'summarise'] };
const TASK = ${taskLiteral(task)};
const SUMMARY = { type: 'object', properties: { answer: { type: 'string' }, confidence: { type: 'string', enum: ['low', 'medium', 'high'] },
  key_points: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 5 } }, required: ['answer', 'confidence', 'key_points'] };
const question = typeof args?.question === 'string' && args.question.trim() !== '' ? args.question : TASK;
const ANGLES = Array.isArray(args?.angles) && args.angles.length > 0 ? args.angles.map(String)
  : ['background and key definitions', 'the strongest evidence for', 'the strongest evidence against', 'practical implications'];
phase('explore');
const notes = await parallel(ANGLES.map((angle) => () =>
  agent(\`Research this question from one angle: \${angle}. Give concrete findings.\\n\\nQuestion: \${question}\`, { label: angle })));
const usable = notes.map((n, i) => (n === null ? null : \`## \${ANGLES[i]}\\n\${n}\`)).filter((n) => n !== null);
log(\`\${usable.length} of \${ANGLES.length} angles answered\`);
phase('summarise');
const summary = usable.length === 0 ? null
  : await agent(\`Summarise these findings into one answer.\\n\\nQuestion: \${question}\\n\\n\${usable.join('\\n\\n')}\`, { label: 'summary', schema: SUMMARY });
return { question, angles: ANGLES.length, answered: usable.length, summary };
`;
  return { kind: 'research', script, summary: 'Research the question from four angles in parallel, then summarise the findings.' };
}

export function genericPlan(task: string): Plan {
  const script = `export const meta = { name: 'explore-critique-synthesise', description: 'Explore angles in parallel, critique each draft, synthesise one answer', phases: ['explore', 'critique', 'synthesise'] };
const TASK = ${taskLiteral(task)};
const raw = JSON.stringify(args ?? null);
const INPUT = raw.length > 4000 ? raw.slice(0, 4000) + '…' : raw;
const ANGLES = ['the most direct approach', 'risks and edge cases', 'an alternative approach'];
phase('explore');
const drafts = await parallel(ANGLES.map((angle) => () =>
  agent(\`\${TASK}\\n\\nInput: \${INPUT}\\n\\nFocus on \${angle}.\`, { label: \`explore: \${angle}\` })));
phase('critique');
const critiques = await parallel(drafts.map((draft, i) => async () => (draft === null ? null
  : agent(\`Critique this draft: point out errors and gaps.\\n\\nTask: \${TASK}\\n\\nDraft (\${ANGLES[i]}):\\n\${draft}\`, { label: \`critique: \${ANGLES[i]}\` }))));
phase('synthesise');
const material = drafts.map((d, i) => (d === null ? null : \`Draft (\${ANGLES[i]}):\\n\${d}\\nCritique:\\n\${critiques[i] ?? 'none'}\`)).filter((m) => m !== null);
const result = material.length === 0 ? null
  : await agent(\`Synthesise one final answer from these drafts and critiques.\\n\\nTask: \${TASK}\\n\\n\${material.join('\\n\\n')}\`, { label: 'synthesis' });
return { result, drafts: material.length, angles: ANGLES.length };
`;
  return { kind: 'generic', script, summary: 'Explore three angles in parallel, critique each draft, then synthesise one answer.' };
}

/** What the planner answers to a repair request: one agent, no clever parts left to fail. */
export function repairPlan(task: string): Plan {
  const script = `export const meta = { name: 'single-agent', description: 'One agent does the task (a simpler plan after a failed attempt)', phases: ['answer'] };
const TASK = ${taskLiteral(task)};
const raw = JSON.stringify(args ?? null);
phase('answer');
const answer = await agent(\`\${TASK}\\n\\nInput: \${raw.length > 4000 ? raw.slice(0, 4000) + '…' : raw}\`, { label: 'answer' });
return { answer };
`;
  return { kind: 'repair', script, summary: 'A simpler plan after the previous script failed: one agent does the task.' };
}

/** Scripts that fail on purpose (`[offline:plan=…]`), so planner repair and run failures can be tested. */
export function brokenPlan(kind: BrokenPlan): Plan {
  const scripts: Readonly<Record<BrokenPlan, string>> = {
    syntax: `phase('scan');\nconst files = args.files.map((f) => f;\nreturn { files };\n`,
    determinism: `phase('scan');\nconst pick = Math.random();\nreturn { pick };\n`,
    throw: `phase('scan');\nthrow new Error('offline planner: deliberate failure at run time');\n`,
  };
  return {
    kind: `broken-${kind}`,
    script: scripts[kind],
    summary: `A deliberately broken script (${kind}), requested by [offline:plan=${kind}].`,
  };
}
