import type { MachineReportResult, MailInput } from './types.ts';

export type * from './types.ts';

/**
 * Recognises a machine-readable abuse report (ARF, X-ARF 0.2, XARF v4, IODEF 1.0/2.0) in a
 * parsed message. `null`: not machine-readable (a plain report); `{ ok: false }`: it claims a
 * format but is invalid, with a message that says what is wrong.
 */
export function parseMachineReport(_mail: MailInput): MachineReportResult | null {
  return null;
}

/**
 * The same for a bare document (API upload, a file): XARF v4 JSON or IODEF XML.
 * `null`: not a format this knows.
 */
export function parseMachineDocument(_contentType: string, _body: Buffer): MachineReportResult | null {
  return null;
}
