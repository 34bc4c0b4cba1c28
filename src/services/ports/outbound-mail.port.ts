import type { Scope } from '../../core/auth/actor.ts';

/** What an outgoing message is for. */
export type OutboundKind = 'incident' | 'ack' | 'notification' | 'test' | 'other';

/** queued → (sending) → sent, or back to queued with a later next attempt, or failed for good. */
export type OutboundState = 'queued' | 'sending' | 'sent' | 'failed';

export interface MailAttachment {
  filename: string;
  contentType: string;
  content: Uint8Array;
}

/** A message ready to be stored in the outbox (everything rendered, Message-ID assigned). */
export interface NewOutboundMail {
  kind: OutboundKind;
  incidentId: number | null;
  actionId: number | null;
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string | null;
  /** Extra headers (`X-Certops-Incident`, `Auto-Submitted`, …). */
  headers: Record<string, string>;
  /** `<uuid@host>`, unique. */
  messageId: string;
  inReplyTo: string | null;
  references: string[];
  attachments: MailAttachment[];
  createdBy: number | null;
  createdAt: string;
  /** When the first attempt is due (usually createdAt). */
  nextAttemptAt: string;
}

export interface OutboundMail extends NewOutboundMail {
  id: number;
  state: OutboundState;
  attempts: number;
  lastError: string;
  /** The relay's answer to the last successful attempt (`250 2.0.0 Ok: queued as …`). */
  response: string;
  sentAt: string | null;
}

/** The outbox list without bodies and attachments. */
export type OutboundSummary = Omit<OutboundMail, 'text' | 'html' | 'attachments'>;

export interface OutboxFilter {
  state?: OutboundState;
  incidentId?: number;
  kind?: OutboundKind;
  /** Keyset paging: rows with id below this. */
  beforeId?: number;
  limit: number;
}

/** A deployment's override of a shipped template. */
export interface MailTemplateOverride {
  actionKind: string;
  language: string;
  subject: string;
  body: string;
  updatedAt: string;
  updatedBy: number | null;
}

export interface OutboundMailPort {
  insert(mail: NewOutboundMail): Promise<OutboundMail>;
  get(id: number): Promise<OutboundMail | null>;
  /**
   * Claims up to `limit` messages due at `now` (queued with next_attempt_at ≤ now, or left in
   * `sending` by a crashed sender whose lock expired): they become `sending`, locked until
   * `lockUntil`. Two senders never claim the same message.
   */
  claimDue(now: string, lockUntil: string, limit: number): Promise<OutboundMail[]>;
  /** Claims one message (sendNow) whatever its due time, when it is queued. */
  claimOne(id: number, lockUntil: string): Promise<OutboundMail | null>;
  markSent(id: number, attempts: number, at: string, response: string): Promise<void>;
  /** Back to queued, due again at nextAttemptAt. */
  markRetry(id: number, attempts: number, nextAttemptAt: string, error: string): Promise<void>;
  markFailed(id: number, attempts: number, error: string): Promise<void>;
  /** A failed message queued again now (attempts restart); false when it was not failed. */
  requeue(id: number, at: string): Promise<boolean>;
  setAction(id: number, actionId: number): Promise<void>;
  /** Withdraws a message nobody has tried to send yet (with its threading Message-ID); false otherwise. */
  withdraw(id: number): Promise<boolean>;
  /**
   * The outbox, newest first. Messages about incidents follow the incident access rule in SQL
   * (branch, TLP:RED); messages about no incident are visible to unrestricted and national scopes only.
   */
  list(scope: Scope, filter: OutboxFilter): Promise<OutboundSummary[]>;
  /** Whether the scope may see the message (the list's rule). */
  isVisible(scope: Scope, id: number): Promise<boolean>;
  countByState(scope: Scope): Promise<Record<OutboundState, number>>;

  listTemplates(): Promise<MailTemplateOverride[]>;
  getTemplate(actionKind: string, language: string): Promise<MailTemplateOverride | null>;
  upsertTemplate(t: MailTemplateOverride): Promise<void>;
  deleteTemplate(actionKind: string, language: string): Promise<boolean>;
}

/** A message as handed to the transport. */
export interface TransportMessage {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string | null;
  headers: Record<string, string>;
  messageId: string;
  inReplyTo: string | null;
  references: string[];
  attachments: MailAttachment[];
  date: Date;
}

export interface TransportResult {
  /** The relay's final answer. */
  response: string;
  accepted: string[];
  rejected: string[];
}

/** The way out: SMTP to the configured relay (src/mail/outbound implements it). */
export interface MailTransport {
  send(message: TransportMessage): Promise<TransportResult>;
  close(): void;
}
