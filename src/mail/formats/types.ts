import type { Category, RsitType } from '../../core/incidents/categories.ts';
import type { Observable } from '../../core/incidents/observables.ts';

/** One MIME part of a received message, decoded. */
export interface MailAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
  /** The part's declared charset (lower-cased), when it had one; see `decodeText` in src/mail/charset.ts. */
  charset?: string;
}

/** A received message as the intake sees it after MIME parsing (mailparser), charset-decoded. */
export interface MailInput {
  from: string;
  subject: string;
  /** Header names lower-cased; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** Top-level Content-Type with parameters, e.g. `multipart/report; report-type=feedback-report`. */
  contentType: string;
  text: string;
  html: string;
  attachments: MailAttachment[];
}

export type MachineReportFormat = 'arf' | 'x-arf' | 'xarf-v3' | 'xarf-v4' | 'iodef-1' | 'iodef-2';

/** One typed report derived from a machine-readable abuse report. */
export interface MachineReport {
  format: MachineReportFormat;
  category: Category;
  rsitType: RsitType | null;
  subject: string;
  description: string;
  /** ISO UTC, when the abuse happened (if the report says). */
  occurredAt: string | null;
  reporter: { name: string; email: string; organisation: string };
  observables: Observable[];
  /** Format-specific fields worth keeping (report-id, source-type, feedback-type, …). */
  meta: Record<string, unknown>;
}

export type MachineReportResult =
  | { ok: true; format: MachineReportFormat; reports: MachineReport[] }
  | { ok: false; format: MachineReportFormat; error: string };
