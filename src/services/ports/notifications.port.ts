import type { NotificationItem } from '../../core/notify/notification.ts';
import type { NewOutboundMail, OutboundMail } from './outbound-mail.port.ts';

export type NotificationState = 'queued' | 'sent' | 'suppressed';

export interface StoredNotification extends NotificationItem {
  id: number;
  state: NotificationState;
  outboxId: number | null;
  processedAt: string | null;
}

/** One recipient with queued items. */
export interface PendingRecipient {
  recipient: string;
  /** The organisation of its items (the lowest non-null org id among them). */
  orgId: number | null;
  count: number;
  oldestQueuedAt: string;
}

/** An organisation's notification settings: interval and language from the directory, plus suppression. */
export interface OrgNotifySettings {
  organisationId: number;
  nameZh: string;
  nameEn: string;
  /** immediate | hourly | daily | weekly | never (organisations.notify_interval). */
  interval: string;
  language: string;
  suppress: boolean;
}

export interface NotificationsPort {
  /** Inserts the items; an item whose (recipient, kind, refId) exists already counts as a duplicate. */
  enqueue(items: NotificationItem[]): Promise<{ queued: number; duplicates: number }>;
  listPendingRecipients(): Promise<PendingRecipient[]>;
  /** Queued items of a recipient, oldest first. */
  listPending(recipient: string, limit: number): Promise<StoredNotification[]>;
  list(filter: {
    recipient?: string;
    state?: NotificationState;
    limit: number;
  }): Promise<StoredNotification[]>;
  /** When the last bulk notification to this recipient was queued in the outbox (null: never). */
  lastMailAt(recipient: string): Promise<string | null>;
  /**
   * In one transaction: stores the mail in the outbox and marks the items sent with its id. Items
   * no longer queued (another run took them) abort it: returns null and nothing is written.
   */
  commitBatch(mail: NewOutboundMail, itemIds: number[], at: string): Promise<OutboundMail | null>;
  markSuppressed(itemIds: number[], at: string): Promise<number>;

  getSettings(orgIds: number[]): Promise<Map<number, OrgNotifySettings>>;
  setSuppress(organisationId: number, suppress: boolean, at: string): Promise<void>;
}
