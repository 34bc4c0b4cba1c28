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
import type { MailIntakeService } from './mail-intake.service.ts';
import type { OutboundMailService } from './outbound-mail.service.ts';
import type { NotificationService } from './notification.service.ts';
import type { BotnetStatsService } from './botnet-stats.service.ts';
import type { MalwareFamilyService } from './malware-family.service.ts';
import type { EventsQueryService } from './events-query.service.ts';
import type { RuleMatchService } from './rule-match.service.ts';
import type { PipelineService } from './pipeline.service.ts';

export interface AppServices {
  auth: AuthService;
  directory: DirectoryService;
  imports: ImportService;
  incidents: IncidentService;
  stats: StatsService;
  savedViews: SavedViewService;
  dashboard: DashboardService;
  /** Outgoing mail: outbox, relay, incident mail with templates (queue/sendNow for other areas). */
  mailOutbound: OutboundMailService;
  /** Bulk notifications (enqueue from the pipeline; run groups them per contact and interval). */
  notifications: NotificationService;
  botnetStats: BotnetStatsService;
  malwareFamilies: MalwareFamilyService;
  events: EventsQueryService;
  /** Memory of the pipeline's incident rules (src/pipeline/rules): system use. */
  ruleMatches: RuleMatchService;
  /** Feed pipeline: raw reports (submitRawReport for collectors, uploads, mail), batches, dead letters. */
  pipeline: PipelineService;
  /** E-mail intake: stored raw messages, processing into reports, threading (docs/mail.md). */
  mailIntake: MailIntakeService;
  /** Is the database reachable (readiness). */
  ping(): Promise<boolean>;
}
