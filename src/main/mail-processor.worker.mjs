// Entry of the mail processor thread. A worker does not inherit the tsx loader certops runs under
// (ADR 0001: no build step), so it registers it first, then loads the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./mail-processor.worker.ts');
