#!/usr/bin/env node
// certops runs its TypeScript sources through tsx's loader (ADR 0001): no build step, no stale output.
import { register } from 'tsx/esm/api';

// A reader that stops early (`certops stats botnets --json | head`) is not an error: stop quietly,
// as Unix tools do, instead of a stack trace about a broken pipe.
process.stdout.on('error', (e) => {
  if (e.code !== 'EPIPE') throw e;
  process.exit(process.exitCode ?? 0);
});

register();
const { runCli } = await import('../src/main/cli.ts');
process.exitCode = await runCli(process.argv.slice(2));
