#!/usr/bin/env node
// certops runs its TypeScript sources through tsx's loader (ADR 0001): no build step, no stale output.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/main/cli.ts');
process.exitCode = await runCli(process.argv.slice(2));
