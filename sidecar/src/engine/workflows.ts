import { MAX_TASK_CHARS } from '../core/limits';
import type { RunSpec } from '../core/types';
import { ScriptCheckError, ValidationError } from '../errors/errors';
import { checkScript } from '../sandbox/check';
import { WorkflowLibrary, type SavedWorkflow, type SavedWorkflowSummary } from '../store/workflows';
import type { SaveWorkflowRequest, WorkflowsApi } from './api';

/**
 * The saved workflows as the API and the engine use them: the library in DW_WORKFLOWS_DIR, saving
 * a run's script (`fromRun`), and the start of a run by a saved workflow's name.
 */
export class SavedWorkflows implements WorkflowsApi {
  readonly library: WorkflowLibrary;

  constructor(
    dir: string,
    /** The script of a run; throws `run_not_found`, or `invalid_state` while it is still being planned. */
    private readonly scriptOfRun: (runId: string) => Promise<string>,
  ) {
    this.library = new WorkflowLibrary({ dir, check: (source) => checkScript(source) });
  }

  list(): SavedWorkflowSummary[] {
    return this.library.list();
  }

  get(name: string): SavedWorkflow {
    return this.library.get(name);
  }

  async save(req: SaveWorkflowRequest): Promise<{ workflow: SavedWorkflow; created: boolean }> {
    if ((req.script === undefined) === (req.fromRun === undefined))
      throw new ValidationError('Give the workflow either `script` or `fromRun` (the id of a run whose script to save)');
    const script = req.script ?? (await this.scriptOfRun(req.fromRun as string));
    return this.library.save(req.name, script, { replace: req.replace === true });
  }

  delete(name: string): void {
    this.library.delete(name);
  }

  /**
   * A start body that names a saved workflow, as the run stores it: the workflow's script (planning
   * is skipped) and, when the body has no task, one made from the workflow's description.
   */
  startSpec(spec: RunSpec): RunSpec {
    if (spec.workflow === undefined) return spec;
    if (spec.script !== undefined) throw new ValidationError('Give `script` or `workflow`, not both');
    const saved = this.library.get(spec.workflow);
    if (!saved.valid)
      throw new ScriptCheckError(`Saved workflow "${saved.name}" does not pass the script check: ${saved.error?.message ?? ''}`);
    const task = spec.task ?? `${saved.name}: ${saved.description ?? 'saved workflow'}`.slice(0, MAX_TASK_CHARS);
    return { ...spec, task, script: saved.script };
  }
}
