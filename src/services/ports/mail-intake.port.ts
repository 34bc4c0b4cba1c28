import type { Scope } from '../../core/auth/actor.ts';

/** Where a stored message came from. */
export type MailSource = 'smtp' | 'file' | 'api';

/**
 * received → processing → processed | failed | failed_format. `failed_format`: a machine-readable
 * report that is invalid (the error says why); a plain report was still made so nothing is lost.
 */
export const MAIL_STATES = ['received', 'processing', 'processed', 'failed', 'failed_format'] as const;
export type MailState = (typeof MAIL_STATES)[number];

/** What processing made of a message (`feed`: machine feed mail, attachments → raw reports). */
export type MailOutcome = '' | 'report' | 'machine' | 'correspondence' | 'duplicate' | 'feed';

export type AckState = '' | 'sent' | 'suppressed' | 'failed';

export interface MailEnvelope {
  source: MailSource;
  /** SMTP MAIL FROM (return path); '' for the null sender `<>`. */
  mailFrom: string;
  rcptTo: string[];
  /** The branch the (first) recipient address routes to. */
  branchCode: string;
  remoteIp: string;
  helo: string;
}

export interface NewMailMessage extends MailEnvelope {
  receivedAt: string;
  raw: Uint8Array;
  sha256: string;
}

export interface MailMessageSummary extends MailEnvelope {
  id: number;
  receivedAt: string;
  size: number;
  sha256: string;
  state: MailState;
  attempts: number;
  error: string;
  messageId: string;
  subject: string;
  fromAddress: string;
  outcome: MailOutcome;
  incidentId: number | null;
  reportIds: number[];
  ackState: AckState;
  ackNote: string;
  processedAt: string | null;
}

export interface MailMessageRecord extends MailMessageSummary {
  raw: Uint8Array;
}

export interface MailListQuery {
  state?: MailState;
  /** Keyset paging: rows with id below this. */
  beforeId?: number;
  limit: number;
}

export interface MailFinish {
  state: Exclude<MailState, 'received' | 'processing'>;
  error: string;
  outcome: MailOutcome;
  incidentId: number | null;
  reportIds: number[];
  messageId: string;
  subject: string;
  fromAddress: string;
  processedAt: string;
  /** The acknowledgement's state when it is decided already (suppressed, no sender). */
  ack?: { state: AckState; note: string };
  /** Record the message's Message-ID (direction `in`) in the same transaction. */
  receivedMessageId?: { messageId: string; incidentId: number | null; at: string };
}

export interface ContactMatch {
  contactId: number;
  name: string;
  organisationId: number;
  organisationName: string;
  organisationKind: string;
}

export interface MailIntakePort {
  /** Stores a received message in one transaction; returns its id. Throws when storage fails. */
  insertMessage(message: NewMailMessage): Promise<number>;
  /**
   * Claims the oldest message to process (state `received`, or `processing` claimed before
   * `staleBefore` by a processor that died) → `processing`; or the given one. Null when none.
   * Two processors never claim the same message.
   */
  claim(now: string, staleBefore: string, id?: number): Promise<MailMessageRecord | null>;
  finish(id: number, result: MailFinish): Promise<void>;
  setAck(id: number, state: AckState, note: string): Promise<void>;
  /** failed / failed_format → received (a retry after a fix); false when in another state. */
  requeue(id: number): Promise<boolean>;
  /** A message within scope (branch scope in SQL), with its raw bytes. */
  get(scope: Scope, id: number): Promise<MailMessageRecord | null>;
  list(scope: Scope, query: MailListQuery): Promise<MailMessageSummary[]>;
  countByState(scope: Scope): Promise<Record<MailState, number>>;
  /** Reports already made from a message (a processor died after making them): the guard against doubles. */
  findReportsOfMessage(mailMessageId: number): Promise<{ reportIds: number[]; incidentId: number | null }>;

  /** The incident, following merges to the survivor; null when absent. */
  findLiveIncident(id: number): Promise<number | null>;
  findIncidentByTrackingNumber(trackingNumber: string): Promise<number | null>;
  /** The incident of the first Message-ID known (received or sent) among `messageIds`. */
  findIncidentByMessageIds(messageIds: string[]): Promise<number | null>;
  /** The message (other than `exceptId`) that brought this Message-ID in, when one did. */
  findReceivedMessageId(messageId: string, exceptId: number): Promise<{ mailMessageId: number } | null>;
  /** Records a Message-ID (idempotent: a known one keeps its first record); false when it was known. */
  recordMessageId(record: {
    messageId: string;
    incidentId: number | null;
    direction: 'in' | 'out';
    mailMessageId: number | null;
    at: string;
  }): Promise<boolean>;

  findContactByEmail(email: string): Promise<ContactMatch | null>;

  countAcksSince(address: string, since: string): Promise<number>;
  recordAck(address: string, at: string, mailMessageId: number): Promise<void>;
}
