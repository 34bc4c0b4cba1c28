import type { Command } from 'commander';
import type { CliContext } from './context.ts';
import { registerImportCommands } from './import.command.ts';
import { registerStatsCommands } from './stats.command.ts';

/** Every area's commands. An area adds its register function here. */
export function registerCommands(program: Command, ctx: CliContext): void {
  registerImportCommands(program, ctx);
  registerStatsCommands(program, ctx);
}
