/**
 * Every use-case service, as the composition root (src/main/compose.ts) builds them. HTTP, CLI,
 * pipeline and reports receive this object; nothing below main/ constructs a service itself.
 * An area adds its service here and in compose.ts.
 */
export interface AppServices {
  /** Is the database reachable (readiness). */
  ping(): Promise<boolean>;
}
