import type { Command } from 'commander';
import type { CliContext } from './context.ts';

/** Every area's commands. An area adds its register function here. */
export function registerCommands(program: Command, ctx: CliContext): void {
  void program;
  void ctx;
}
