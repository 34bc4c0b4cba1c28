/**
 * Every use-case service, as the composition root (src/main/compose.ts) builds them. HTTP, CLI,
 * pipeline and reports receive this object; nothing below main/ constructs a service itself.
 * An area adds its service here and in compose.ts.
 */
import type { AuthService } from './auth.service.ts';
import type { ImportService } from './import.service.ts';
import type { StatsService } from './stats.service.ts';

export interface AppServices {
  auth: AuthService;
  imports: ImportService;
  stats: StatsService;
  /** Is the database reachable (readiness). */
  ping(): Promise<boolean>;
}
