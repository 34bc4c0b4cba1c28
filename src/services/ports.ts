/**
 * The interfaces services need from storage and the outside world. db/ implements them; tests
 * may too. Each area's ports live in ports/<area>.port.ts and are re-exported here.
 */
export type * from './ports/audit.port.ts';
export type * from './ports/stats.port.ts';
export type * from './ports/auth.port.ts';
export type * from './ports/import.port.ts';
export type * from './ports/incidents.port.ts';
export type * from './ports/directory.port.ts';
export type * from './ports/saved-views.port.ts';
export type * from './ports/outbound-mail.port.ts';
export type * from './ports/notifications.port.ts';
export type * from './ports/mail-intake.port.ts';
export type * from './ports/mail.port.ts';
export type * from './ports/botnet-stats.port.ts';
export type * from './ports/malware-families.port.ts';
export type * from './ports/pipeline.port.ts';
export type * from './ports/events-query.port.ts';
export type * from './ports/rule-matches.port.ts';
