/**
 * A notification waiting to go to an abuse contact (the pipeline's rules and the incident
 * service queue them; the bulk notifier groups them per contact and interval, like IntelMQ's
 * mailgen). `(recipient, kind, refId)` is unique: the same event never goes to the same
 * contact twice.
 */
export interface NotificationItem {
  /** Lower-cased e-mail address of the abuse contact. */
  recipient: string;
  /** Directory organisation the contact belongs to (its interval, language, suppression). */
  orgId: number | null;
  kind: 'event' | 'incident';
  /** events.id or incidents.id. */
  refId: number;
  /** Short classification for the grouped mail, e.g. `malicious-code/infected-system`. */
  classificationType: string;
  /** Columns of the CSV row for this item (field name → value). */
  row: Record<string, string | number | null>;
  /** ISO UTC. */
  queuedAt: string;
}
