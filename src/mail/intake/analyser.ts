import type { MailAnalyser } from '../../services/mail-intake.service.ts';
import { parseMachineDocument, parseMachineReport, parseMailInput } from '../formats/index.ts';

/** MIME parsing (mailparser) and format recognition (src/mail/formats) for the intake service. */
export function createMailAnalyser(): MailAnalyser {
  return {
    parse: (raw) => parseMailInput(raw),
    machineReport: (mail) => parseMachineReport(mail),
    machineDocument: (contentType, body) => parseMachineDocument(contentType, body),
  };
}
