import ivm from 'isolated-vm';
import {
  AgentLimitError,
  DeterminismError,
  ItemLimitError,
  MemoryLimitError,
  WorkflowLimitError,
  WorkflowNestingError,
  WorkflowNotFoundError,
  toErrorInfo,
  type ErrorInfo,
} from '../errors/errors';
import type { AgentOptions, WorkflowRef } from '../core/types';
import type { ChildWorkflow, SandboxHost, SandboxLimits } from './types';

/** What the isolate gets back from one agent call; never a rejection, so codes survive the crossing. */
type AgentReply = { ok: true; value: unknown } | { ok: false; error: ErrorInfo };
/** What the isolate gets back from one workflow() call: the id of the compiled child, or why not. */
type WorkflowReply = { ok: true; id: number } | { ok: false; error: ErrorInfo };

export interface BridgeEvents {
  /** An agent or workflow() call finished on the host (its reply is on its way into the isolate). */
  onAgentSettled(): void;
  /** Compiles a child script in the run's context and registers it with the prelude; resolves with its id. */
  compileChild(child: ChildWorkflow): Promise<number>;
}

/**
 * The host side of the boundary: the functions the prelude captures in its closure. Agent calls
 * go through an ivm.Reference applied from inside the isolate (the host promise resolves the
 * isolate promise); the rest are synchronous ivm.Callbacks. Arguments and results are copies.
 */
export class HostBridge {
  /** Agent and workflow() calls the host has received. */
  received = 0;
  /** Agent and workflow() calls the host has not answered yet. */
  pending = 0;
  private readonly agentRef: ivm.Reference<(seq: number, prompt: string, opts: AgentOptions) => Promise<AgentReply>>;
  private readonly workflowRef: ivm.Reference<(ref: WorkflowRef) => Promise<WorkflowReply>>;

  constructor(
    private readonly host: SandboxHost,
    events: BridgeEvents,
  ) {
    this.agentRef = new ivm.Reference(async (seq: number, prompt: string, opts: AgentOptions): Promise<AgentReply> => {
      this.received += 1;
      this.pending += 1;
      try {
        const value = await host.agent(seq, prompt, opts);
        return { ok: true, value: value === undefined ? null : value };
      } catch (err) {
        return { ok: false, error: toErrorInfo(err) };
      } finally {
        this.pending -= 1;
        events.onAgentSettled();
      }
    });
    this.workflowRef = new ivm.Reference(async (ref: WorkflowRef): Promise<WorkflowReply> => {
      this.received += 1;
      this.pending += 1;
      try {
        if (!host.workflow) throw new WorkflowNotFoundError(typeof ref === 'string' ? ref : String(ref.scriptPath));
        return { ok: true, id: await events.compileChild(await host.workflow(ref)) };
      } catch (err) {
        return { ok: false, error: toErrorInfo(err) };
      } finally {
        this.pending -= 1;
        events.onAgentSettled();
      }
    });
  }

  /** The closure arguments $0..$6 of CORE_PRELUDE, in order (see InstallArguments). */
  preludeArguments(limits: SandboxLimits, maxCollectionEntries: number): ivm.Transferable[] {
    const host = this.host;
    return [
      this.agentRef,
      new ivm.Callback((name: string) => {
        host.phase(String(name));
      }),
      new ivm.Callback((message: string) => {
        host.log(String(message));
      }),
      new ivm.Callback(() => {
        const b = host.budget();
        return { total: { tokens: b.total.tokens, usd: b.total.usd }, spent: { tokens: b.spent.tokens, usd: b.spent.usd } };
      }),
      new ivm.Callback((type: string, payload: Record<string, unknown>) => {
        host.emit(String(type), payload);
      }),
      new ivm.Callback((kind: string, arg: unknown) => limitMessage(kind, arg, limits, maxCollectionEntries)),
      this.workflowRef,
    ];
  }

  release(): void {
    this.agentRef.release();
    this.workflowRef.release();
  }
}

/** Messages come from the shared error classes so inside and outside the sandbox read the same. */
function limitMessage(kind: string, arg: unknown, limits: SandboxLimits, maxCollectionEntries: number): string {
  switch (kind) {
    case 'determinism':
      return new DeterminismError(String(arg)).message;
    case 'agent_limit':
      return new AgentLimitError(Number(arg)).message;
    case 'item_limit':
      return new ItemLimitError(Number(arg), limits.maxItems).message;
    case 'workflow_limit':
      return new WorkflowLimitError(Number(arg)).message;
    case 'workflow_nesting':
      return new WorkflowNestingError().message;
    case 'collection':
      return `${new MemoryLimitError(limits.memoryMb).message}: a ${String(arg)} may hold at most ${maxCollectionEntries} entries at this memoryMb`;
    default:
      return String(kind);
  }
}
