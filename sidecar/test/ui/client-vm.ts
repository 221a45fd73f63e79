import vm from 'node:vm';

/** The page's `dw` namespace after evaluating client modules in a bare context (no DOM): for their pure parts. */
export function loadClient(...modules: string[]): Record<string, unknown> {
  const context = vm.createContext({ dw: {} as Record<string, unknown> });
  for (const m of modules) vm.runInContext(m, context);
  return (context as { dw: Record<string, unknown> }).dw;
}
