/**
 * Sending one message (the intake's acknowledgements). main/ wires it to the outbound mail
 * service (outbox + relay); tests wire it to a sink SMTP server.
 */
export interface OutgoingMessage {
  to: string;
  subject: string;
  text: string;
  /** Extra headers, e.g. `Auto-Submitted`, `X-Loop`, `X-Certops-Incident`. */
  headers: Record<string, string>;
  inReplyTo: string | null;
  references: string[];
  /** The incident the message is about (threading of replies), when there is one. */
  incidentId: number | null;
}

export interface MailSender {
  /** Queues or sends the message; resolves with the Message-ID it carries (`<…@…>`). */
  send(message: OutgoingMessage): Promise<{ messageId: string }>;
}
