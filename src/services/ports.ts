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
