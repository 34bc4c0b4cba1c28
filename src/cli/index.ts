import type { Command } from 'commander';
import type { CliContext } from './context.ts';
import { registerDirectoryCommands } from './directory.command.ts';
import { registerImportCommands } from './import.command.ts';
import { registerMailCommands } from './mail.command.ts';
import { registerStatsCommands } from './stats.command.ts';
import { registerMalwareCommands } from './malware.command.ts';
import { registerUserCommands } from './users.command.ts';
import { registerPipelineCommands } from './pipeline.command.ts';
import { registerNotifyCommands } from './notify.command.ts';

/** Every area's commands. An area adds its register function here. */
export function registerCommands(program: Command, ctx: CliContext): void {
  registerDirectoryCommands(program, ctx);
  registerImportCommands(program, ctx);
  registerMailCommands(program, ctx);
  registerStatsCommands(program, ctx);
  registerMalwareCommands(program, ctx);
  registerUserCommands(program, ctx);
  registerPipelineCommands(program, ctx);
  registerNotifyCommands(program, ctx);
}
