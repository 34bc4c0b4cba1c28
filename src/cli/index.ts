import type { Command } from 'commander';
import type { CliContext } from './context.ts';
import { registerDirectoryCommands } from './directory.command.ts';
import { registerImportCommands } from './import.command.ts';
import { registerStatsCommands } from './stats.command.ts';
import { registerUserCommands } from './users.command.ts';

/** Every area's commands. An area adds its register function here. */
export function registerCommands(program: Command, ctx: CliContext): void {
  registerDirectoryCommands(program, ctx);
  registerImportCommands(program, ctx);
  registerStatsCommands(program, ctx);
  registerUserCommands(program, ctx);
}
