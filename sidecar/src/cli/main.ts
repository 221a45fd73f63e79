import { Command, Option } from 'commander';
import { ROLES, type Role } from '../app';
import { toErrorInfo } from '../errors/errors';
import { VERSION } from '../version';
import { checkCommand } from './check';
import { offlineModelCommand } from './offline-model';
import { pruneCommand } from './prune';
import { runCommand } from './run';
import { serveCommand } from './serve';

const program = new Command()
  .name('dynamic-workflows')
  .description('Dynamic workflows for n8n: the sidecar that plans, runs and verifies agent swarms')
  .version(VERSION);

program
  .command('serve')
  .description('Run the sidecar HTTP service (configured by DW_* environment variables)')
  .addOption(
    new Option('--role <role>', 'queue mode (DW_DATABASE_URL + DW_REDIS_URL): api answers, worker executes runs, all does both')
      .choices([...ROLES])
      .default('all'),
  )
  .action(async (opts: { role: Role }) => {
    await serveCommand({ role: opts.role });
  });

program
  .command('run')
  .description('Run one task in this process; progress on stderr, the final run record as JSON on stdout')
  .argument('[task]', 'what the workflow should do (optional with --workflow)')
  .option('--script <file>', 'use this workflow script instead of planning one')
  .option('--workflow <name>', 'run this saved workflow (DW_WORKFLOWS_DIR) instead of planning one')
  .option('--input <json>', 'JSON input, available to the script as args')
  .action(async (task: string | undefined, opts: { script?: string; input?: string; workflow?: string }) => {
    process.exitCode = await runCommand(task, opts);
  });

program
  .command('check')
  .description(
    "Check a workflow script without running it: exit 0 when valid, saying whether it is portable (only what Claude Code's Workflow tool has) or listing the extensions it uses with their lines; 1 with the check's error when invalid",
  )
  .argument('<file>', 'the workflow script')
  .option('--json', 'print one JSON object ({ file, valid, portable, extensions } or { file, valid: false, error })')
  .action((file: string, opts: { json?: boolean }) => {
    process.exitCode = checkCommand(file, opts);
  });

program
  .command('offline-model')
  .description('Run the offline Anthropic-compatible model server on its own')
  .option('--port <n>', 'port (0 picks a free one)', '0')
  .option('--host <host>', 'host', '127.0.0.1')
  .action(async (opts: { port?: string; host?: string }) => {
    await offlineModelCommand(opts);
  });

program
  .command('prune')
  .description('Delete finished runs older than N days, with their events, journal and callbacks (unfinished runs are kept)')
  .option('--days <n>', 'age in days (default: DW_RETENTION_DAYS)')
  .action(async (opts: { days?: string }) => {
    process.exitCode = await pruneCommand(opts);
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  const info = toErrorInfo(err);
  process.stderr.write(`${info.code}: ${info.message}\n`);
  process.exit(1);
});
