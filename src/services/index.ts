/**
 * Every use-case service, as the composition root (src/main/compose.ts) builds them. HTTP, CLI,
 * pipeline and reports receive this object; nothing below main/ constructs a service itself.
 * An area adds its service here and in compose.ts.
 */
import type { AuthService } from './auth.service.ts';
import type { DirectoryService } from './directory.service.ts';
import type { ImportService } from './import.service.ts';
import type { IncidentService } from './incident.service.ts';
import type { StatsService } from './stats.service.ts';
import type { SavedViewService } from './saved-view.service.ts';
import type { DashboardService } from './dashboard.service.ts';

export interface AppServices {
  auth: AuthService;
  directory: DirectoryService;
  imports: ImportService;
  incidents: IncidentService;
  stats: StatsService;
  savedViews: SavedViewService;
  dashboard: DashboardService;
  /** Is the database reachable (readiness). */
  ping(): Promise<boolean>;
}
