/**
 * The interfaces services need from storage and the outside world. db/ implements them; tests
 * may too. Each area's ports live in ports/<area>.port.ts and are re-exported here.
 */
export type * from './ports/audit.port.ts';
