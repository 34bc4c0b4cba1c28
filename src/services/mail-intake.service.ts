import { createHash } from 'node:crypto';
import { z } from 'zod';
import { requirePermission, scopeOf, systemActor, type Actor } from '../core/auth/actor.ts';
import type { Category } from '../core/incidents/categories.ts';
import { MAX_TEXT, type ReporterType } from '../core/incidents/incident.ts';
import { extractObservables, type Observable } from '../core/incidents/observables.ts';
import { normaliseTrackingNumber } from '../core/incidents/tracking.ts';
import type { Clock } from '../core/shared/clock.ts';
import { DomainError, invalidInput, notFound } from '../core/shared/errors.ts';
import { t } from '../i18n/index.ts';
import type { MachineReport, MachineReportResult, MailInput } from '../mail/formats/types.ts';
import type { IncidentService } from './incident.service.ts';
import type {
  AckState,
  MailEnvelope,
  MailIntakePort,
  MailListQuery,
  MailMessageRecord,
  MailMessageSummary,
  MailOutcome,
  MailState,
} from './ports/mail-intake.port.ts';
import type { MailSender } from './ports/mail.port.ts';

/** MIME parsing and format recognition (src/mail/formats), passed in by main/. */
export interface MailAnalyser {
  /** Raw RFC 5322 bytes → decoded message; rejects on unparseable input. */
  parse(raw: Buffer): Promise<MailInput>;
  machineReport(mail: MailInput): MachineReportResult | null;
  machineDocument(contentType: string, body: Buffer): MachineReportResult | null;
}

/** One attachment of a message, as offered to the feed router. */
export interface FeedMailAttachment {
  fileName: string;
  contentType: string;
  content: Buffer;
}

/** A raw report stored for an attachment of feed mail (an existing one when the content was known). */
export interface FeedMailSubmission {
  feed: string;
  fileName: string;
  rawReportId: number;
  /** The same content was stored before (a retry, a restart, or the feed sending it again). */
  duplicate: boolean;
}

/**
 * Machine feed mail (Shadowserver, Spamhaus, … reports mailed as attachments), passed in by main/
 * over the feed pipeline's mail collector: the feeds whose `mail` collector matches the sender
 * and subject take the attachments they accept, each stored as a raw report. Idempotent: the
 * same attachment submitted again returns the report stored before. [] when no feed matched or
 * no attachment was accepted (the message then goes the normal way). Throws when storing fails
 * (the message fails and is processed again on retry).
 */
export type FeedMailRouter = (mail: {
  from: string;
  subject: string;
  attachments: FeedMailAttachment[];
}) => Promise<FeedMailSubmission[]>;

export interface MailIntakeOptions {
  /** Subject tag of threading: `[certops #123]`. */
  subjectTag: string;
  /** Our own addresses (report addresses and the From of our mail): X-Loop carrying one stops an ack. */
  ownAddresses: string[];
  /** The X-Loop value our acknowledgements carry. */
  loopAddress: string;
  autoAck: {
    enabled: boolean;
    maxPerHourPerAddress: number;
    language: 'auto' | 'zh-CN' | 'en';
    machineReports: boolean;
  };
  /** Base of the public status link. */
  publicBaseUrl: string;
  /** Signature line of acknowledgements per language. */
  siteName: { 'zh-CN': string; en: string };
  defaultLanguage: 'zh-CN' | 'en';
  /** A claim older than this is taken over (its processor died), seconds. */
  claimTimeoutSeconds?: number;
}

export interface MailIntakeDeps {
  repo: MailIntakePort;
  incidents: IncidentService;
  analyser: MailAnalyser;
  /** Null: acknowledgements are recorded as not sent (`failed: no sender`). */
  sender: MailSender | null;
  clock: Clock;
  options: MailIntakeOptions;
  /** Attachments of feed mail → raw reports of the feed pipeline; absent: no feed mail. */
  feedRouter?: FeedMailRouter;
  /** Problems that do not fail processing (an acknowledgement that could not be sent). */
  onWarning?: (message: string, detail: Record<string, unknown>) => void;
}

export interface ProcessResult {
  id: number;
  state: MailState;
  outcome: MailOutcome;
  incidentId: number | null;
  reportIds: number[];
  trackingNumbers: string[];
  error: string;
  ack: AckState;
  /** Feed mail (outcome `feed`): the raw reports its attachments were stored as. */
  rawReportIds?: number[];
}

export interface MailMessageDetail extends MailMessageSummary {
  /** The start of the raw message (headers and some body), for operators. */
  preview: string;
}

export interface RawSubmission {
  /** Created reports; empty when the submission was threaded into an incident as correspondence. */
  trackingNumbers: string[];
  reportIds: number[];
  incidentIds: number[];
  format: string;
  /** The stored message, for `message/rfc822`. */
  mailMessageId: number | null;
}

export interface MailIntakeService {
  /** Stores a received message (before the SMTP 250). Throws when storage fails: answer 451. */
  receive(envelope: MailEnvelope, raw: Uint8Array): Promise<{ id: number }>;
  /** Processes the oldest waiting message; null when none waits. */
  processNext(): Promise<ProcessResult | null>;
  /** Processes waiting messages until none is left (or `limit`). */
  processPending(limit?: number): Promise<ProcessResult[]>;
  /** Stores and processes one message at once (file import, API). */
  ingest(envelope: MailEnvelope, raw: Uint8Array): Promise<ProcessResult>;
  list(actor: Actor, query?: Partial<MailListQuery>): Promise<MailMessageSummary[]>;
  countByState(actor: Actor): Promise<Record<MailState, number>>;
  get(actor: Actor, id: number): Promise<MailMessageDetail>;
  /** The raw message (.eml) of a message the actor may see. */
  getRaw(actor: Actor, id: number): Promise<Uint8Array>;
  /** Processes a failed message again. */
  retry(actor: Actor, id: number): Promise<ProcessResult>;
  /**
   * A raw submission over the API: `message/rfc822` goes through the mail path; XARF v4 JSON and
   * IODEF XML become typed reports (channel api). Bad input → invalid_input saying what is wrong.
   */
  submitRaw(
    actor: Actor,
    contentType: string,
    body: Buffer,
    defaults?: { branchCode?: string },
  ): Promise<RawSubmission>;
  /** Records a Message-ID we sent about an incident (outbound mail), so replies thread to it. */
  recordSentMessageId(messageId: string, incidentId: number | null): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Pure rules: threading, auto-reply suppression, language
// ---------------------------------------------------------------------------------------------

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Message-IDs (`<…>`) in a header value, in order. */
export function parseMessageIds(value: string | undefined): string[] {
  if (!value) return [];
  const ids = value.match(/<[^<>\s]+>/g);
  if (ids) return ids;
  const bare = value.trim();
  return bare !== '' && !/\s/.test(bare) ? [`<${bare}>`] : [];
}

/** What the subject points to: `[tag #123]` (incident id) or a tracking number (tagged or bare). */
export function findSubjectReference(
  subject: string,
  tag: string,
): { incidentId: number } | { trackingNumber: string } | null {
  const tagged = new RegExp(`\\[\\s*${escapeRegExp(tag)}\\s*#\\s*(\\d{1,15})\\s*\\]`, 'i').exec(subject);
  if (tagged) return { incidentId: Number(tagged[1]) };
  for (const m of subject.matchAll(/\b(\d{4}-[0-9A-Za-z]{5}-[0-9A-Za-z]{5})\b/g)) {
    const tn = normaliseTrackingNumber(m[1]!);
    if (tn) return { trackingNumber: tn };
  }
  return null;
}

const NO_REPLY_SENDER =
  /^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?|listserv|majordomo)([+-].*)?@/i;

/**
 * Why no automatic reply may go to this message (RFC 3834 and common practice), or null:
 * Auto-Submitted other than `no`, Precedence bulk/list/junk, list headers, a null or robot return
 * path, or an X-Loop naming one of our addresses.
 */
export function autoReplySuppression(
  headers: Record<string, string>,
  returnPath: string,
  ownAddresses: string[],
): string | null {
  const autoSubmitted = (headers['auto-submitted'] ?? '').trim().toLowerCase();
  if (autoSubmitted !== '' && !autoSubmitted.startsWith('no')) return `Auto-Submitted: ${autoSubmitted}`;
  const precedence = (headers['precedence'] ?? '').trim().toLowerCase();
  if (/^(bulk|list|junk|auto_reply)$/.test(precedence)) return `Precedence: ${precedence}`;
  for (const h of ['list-id', 'list-unsubscribe', 'list-post', 'x-autoreply', 'x-autorespond']) {
    if ((headers[h] ?? '').trim() !== '') return `${h} present`;
  }
  if ((headers['x-auto-response-suppress'] ?? '').match(/\b(all|autoreply|oof)\b/i))
    return 'X-Auto-Response-Suppress';
  const rp = returnPath.trim().toLowerCase();
  if (rp === '' || rp === '<>') return 'null return path';
  if (NO_REPLY_SENDER.test(rp)) return `robot return path ${rp}`;
  const loop = (headers['x-loop'] ?? '').toLowerCase();
  if (loop !== '' && ownAddresses.some((a) => loop.includes(a.toLowerCase()))) return `X-Loop: ${loop}`;
  return null;
}

/** Chinese when the text has Han characters, else English. */
export function guessLanguage(text: string): 'zh-CN' | 'en' {
  return /[\u3400-\u9fff]/.test(text.slice(0, 20_000)) ? 'zh-CN' : 'en';
}

/** Plain text of an HTML body (tags dropped, common entities decoded). */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|tr|li|h\d)>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** The address when the report schema accepts it (else '': the report is still made, without it). */
const emailSchema = z.email().max(320);

function validEmail(s: string): string {
  const v = s.trim().toLowerCase();
  return v !== '' && emailSchema.safeParse(v).success ? v : '';
}

/** The display name of the From header (`"Name" <addr>` → Name). */
function displayName(from: string): string {
  const m = /^\s*"?([^"<]*?)"?\s*</.exec(from);
  return (m?.[1] ?? '').trim().slice(0, 200);
}

const TEXT_PART = /^(text\/|message\/rfc822|application\/(json|xml|csv|x-csv))/i;
const TEXT_NAME = /\.(txt|log|csv|eml|json|xml|html?|md)$/i;
const MAX_ATTACHMENTS = 20;
const MAX_SCANNED = 2_000_000;

function clip(text: string, max = MAX_TEXT): string {
  return text.length <= max ? text : `${text.slice(0, max - 40)}\n… (truncated)`;
}

/** The note a feed message keeps: `feed NAME: raw report 12 (a.csv), raw report 13 (b.csv, known)`. */
export function feedNote(submitted: readonly FeedMailSubmission[]): string {
  const byFeed = new Map<string, string[]>();
  for (const s of submitted) {
    const list = byFeed.get(s.feed) ?? [];
    list.push(`raw report ${s.rawReportId} (${s.fileName}${s.duplicate ? ', known' : ''})`);
    byFeed.set(s.feed, list);
  }
  return [...byFeed].map(([feed, list]) => `feed ${feed}: ${list.join(', ')}`).join('; ');
}

// ---------------------------------------------------------------------------------------------

export function createMailIntakeService(deps: MailIntakeDeps): MailIntakeService {
  const { repo, incidents, analyser, clock, options } = deps;
  const actor = systemActor('mail');
  const claimTimeoutMs = (options.claimTimeoutSeconds ?? 600) * 1000;
  const nowIso = () => clock.now().toISOString();
  const warn = deps.onWarning ?? (() => {});

  async function receive(envelope: MailEnvelope, raw: Uint8Array): Promise<{ id: number }> {
    const id = await repo.insertMessage({
      ...envelope,
      mailFrom: envelope.mailFrom.trim().toLowerCase(),
      rcptTo: envelope.rcptTo.map((r) => r.trim().toLowerCase()),
      receivedAt: nowIso(),
      raw,
      sha256: createHash('sha256').update(raw).digest('hex'),
    });
    return { id };
  }

  function ackLanguage(text: string): 'zh-CN' | 'en' {
    const l = options.autoAck.language;
    return l === 'auto' ? guessLanguage(text) : l;
  }

  /** Why no acknowledgement goes out (suppressed, or no sender), or null: send one. */
  async function ackDecision(
    rec: MailMessageRecord,
    mail: MailInput,
    machine: boolean,
  ): Promise<{ state: AckState; note: string } | null> {
    const to = validEmail(mail.from);
    let reason: string | null = null;
    if (!options.autoAck.enabled) reason = 'disabled';
    else if (machine && !options.autoAck.machineReports) reason = 'machine-readable report';
    else if (to === '') reason = 'no From address';
    else if (options.ownAddresses.some((a) => a.toLowerCase() === to))
      reason = 'From is one of our addresses';
    else reason = autoReplySuppression(mail.headers, rec.mailFrom, options.ownAddresses);
    if (reason === null) {
      const since = new Date(clock.now().getTime() - 3_600_000).toISOString();
      const sent = await repo.countAcksSince(to, since);
      if (sent >= options.autoAck.maxPerHourPerAddress)
        reason = `${sent} acknowledgements to ${to} in the last hour (limit ${options.autoAck.maxPerHourPerAddress})`;
    }
    if (reason !== null) return { state: 'suppressed', note: reason };
    if (!deps.sender) return { state: 'failed', note: 'no mail sender configured' };
    return null;
  }

  /** Sends the acknowledgement of a new report (ackDecision said so); never fails processing. */
  async function sendAck(
    rec: MailMessageRecord,
    mail: MailInput,
    messageId: string,
    created: { trackingNumber: string; statusSecret: string; incidentId: number | null },
  ): Promise<AckState> {
    const to = validEmail(mail.from);
    if (!deps.sender) return 'failed';
    const lang = ackLanguage(`${mail.subject}\n${mail.text}`);
    const statusUrl = `${options.publicBaseUrl.replace(/\/+$/, '')}/status/${created.trackingNumber}?s=${created.statusSecret}`;
    const original = mail.subject
      .replace(/[\r\n]+/g, ' ')
      .trim()
      .slice(0, 200);
    try {
      // Counted before sending: a crash between the two errs on the side of fewer mails.
      await repo.recordAck(to, nowIso(), rec.id);
      const sent = await deps.sender.send({
        to,
        subject: t(lang, 'mail.ack.subject', {
          trackingNumber: created.trackingNumber,
          subject: original,
        }),
        text: t(lang, 'mail.ack.body', {
          trackingNumber: created.trackingNumber,
          statusUrl,
          site: options.siteName[lang],
        }),
        headers: {
          'Auto-Submitted': 'auto-replied',
          'X-Loop': options.loopAddress,
          Precedence: 'auto_reply',
          'X-Auto-Response-Suppress': 'All',
          ...(created.incidentId !== null ? { 'X-Certops-Incident': String(created.incidentId) } : {}),
          'X-Certops-Tracking': created.trackingNumber,
        },
        inReplyTo: messageId || null,
        references: messageId ? [messageId] : [],
        incidentId: created.incidentId,
      });
      await repo.recordMessageId({
        messageId: sent.messageId,
        incidentId: created.incidentId,
        direction: 'out',
        mailMessageId: null,
        at: nowIso(),
      });
      await repo.setAck(rec.id, 'sent', `${to} ${sent.messageId}`);
      return 'sent';
    } catch (e) {
      const msg = (e as Error).message ?? String(e);
      warn('acknowledgement not sent', { mailMessageId: rec.id, to, error: msg });
      await repo.setAck(rec.id, 'failed', msg);
      return 'failed';
    }
  }

  /** The attachments kept with a report: the raw message first, then the message's own parts. */
  function keptAttachments(rec: MailMessageRecord, mail: MailInput, withParts: boolean) {
    const out = [
      {
        filename: `message-${rec.id}.eml`,
        contentType: 'message/rfc822',
        content: rec.raw as Uint8Array<ArrayBuffer>,
      },
    ];
    if (withParts) {
      for (const [i, a] of mail.attachments.entries()) {
        if (out.length >= MAX_ATTACHMENTS) break;
        const name = (a.filename || `part-${i + 1}`)
          .replace(/[\r\n\t]/g, ' ')
          .trim()
          .slice(0, 255);
        out.push({
          filename: name || `part-${i + 1}`,
          contentType: (a.contentType || 'application/octet-stream').slice(0, 255),
          content: new Uint8Array(
            a.content.buffer,
            a.content.byteOffset,
            a.content.byteLength,
          ) as Uint8Array<ArrayBuffer>,
        });
      }
    }
    return out;
  }

  /** Observables of a plain message: subject, text and text attachments (not the transport headers). */
  function plainObservables(mail: MailInput, body: string): Observable[] {
    const texts = [mail.subject, body];
    for (const a of mail.attachments) {
      if (!TEXT_PART.test(a.contentType) && !TEXT_NAME.test(a.filename)) continue;
      texts.push(a.content.subarray(0, MAX_SCANNED).toString('utf8'));
    }
    return extractObservables(texts.join('\n')).slice(0, 10_000);
  }

  async function reporterOf(mail: MailInput): Promise<{
    type: ReporterType;
    name: string;
    email: string;
    orgId: number | null;
  }> {
    const email = validEmail(mail.from);
    const name = displayName(mail.headers['from'] ?? '');
    if (email === '') return { type: 'individual', name, email: '', orgId: null };
    const contact = await repo.findContactByEmail(email);
    if (!contact) return { type: 'individual', name, email, orgId: null };
    const kind = contact.organisationKind;
    const type: ReporterType =
      kind === 'cert' || kind === 'isp' || kind === 'vendor' || kind === 'government' ? kind : 'organisation';
    return { type, name: contact.name || name, email, orgId: contact.organisationId };
  }

  function bodyOf(mail: MailInput): string {
    const text = mail.text.trim() !== '' ? mail.text : mail.html ? htmlToText(mail.html) : '';
    return clip(text.replace(/\r\n/g, '\n'));
  }

  function baseMeta(rec: MailMessageRecord, messageId: string, mail: MailInput): Record<string, unknown> {
    // mailMessageId first: findReportsOfMessage looks reports up by this prefix of the JSON.
    return {
      mailMessageId: rec.id,
      messageId,
      mailFrom: rec.mailFrom,
      rcptTo: rec.rcptTo,
      from: mail.headers['from'] ?? '',
      date: mail.headers['date'] ?? '',
    };
  }

  async function threadTarget(mail: MailInput): Promise<number | null> {
    const refs = [
      ...parseMessageIds(mail.headers['in-reply-to']),
      ...parseMessageIds(mail.headers['references']).reverse(),
    ];
    const byHeader = await repo.findIncidentByMessageIds(refs);
    if (byHeader !== null) return repo.findLiveIncident(byHeader);
    const ref = findSubjectReference(mail.subject, options.subjectTag);
    if (ref === null) return null;
    const id =
      'incidentId' in ref ? ref.incidentId : await repo.findIncidentByTrackingNumber(ref.trackingNumber);
    return id === null ? null : repo.findLiveIncident(id);
  }

  /**
   * `formatRetry`: a message kept as a plain report for a format error is parsed again (after a
   * parser fix); typed reports join the plain report's incident, nothing else is made again.
   */
  async function processClaimed(rec: MailMessageRecord, formatRetry = false): Promise<ProcessResult> {
    const result = (
      state: Exclude<MailState, 'received' | 'processing'>,
      outcome: MailOutcome,
      fields: Partial<ProcessResult> = {},
    ): ProcessResult => ({
      id: rec.id,
      state,
      outcome,
      incidentId: null,
      reportIds: [],
      trackingNumbers: [],
      error: '',
      ack: '',
      ...fields,
    });
    const finish = async (
      r: ProcessResult,
      info: { messageId: string; subject: string; fromAddress: string },
      extra: { recordIncident?: number | null; ack?: { state: AckState; note: string } | null } = {},
    ): Promise<ProcessResult> => {
      if (extra.ack) r.ack = extra.ack.state;
      await repo.finish(rec.id, {
        ...(extra.ack ? { ack: extra.ack } : {}),
        ...(extra.recordIncident !== undefined && info.messageId !== ''
          ? {
              receivedMessageId: {
                messageId: info.messageId,
                incidentId: extra.recordIncident,
                at: nowIso(),
              },
            }
          : {}),
        state: r.state as Exclude<MailState, 'received' | 'processing'>,
        error: r.error.slice(0, 4000),
        outcome: r.outcome,
        incidentId: r.incidentId,
        reportIds: r.reportIds,
        messageId: info.messageId.slice(0, 1000),
        subject: info.subject,
        fromAddress: info.fromAddress.slice(0, 320),
        processedAt: nowIso(),
      });
      return r;
    };

    let mail: MailInput;
    try {
      if (rec.raw.byteLength === 0) throw new Error('empty message');
      mail = await analyser.parse(Buffer.from(rec.raw.buffer, rec.raw.byteOffset, rec.raw.byteLength));
    } catch (e) {
      return finish(result('failed', '', { error: `unreadable message: ${(e as Error).message ?? e}` }), {
        messageId: '',
        subject: '',
        fromAddress: '',
      });
    }
    const messageId = parseMessageIds(mail.headers['message-id'])[0] ?? '';
    const info = { messageId, subject: mail.subject, fromAddress: mail.from };

    // A processor that died after creating the reports: finish with what exists, create nothing.
    // (Only a message claimed before can have reports: the first claim skips the look-up.)
    const prior =
      rec.attempts > 1 ? await repo.findReportsOfMessage(rec.id) : { reportIds: [], incidentId: null };
    if (prior.reportIds.length > 0) {
      if (formatRetry) {
        let again: MachineReportResult | null;
        try {
          again = analyser.machineReport(mail);
        } catch (e) {
          again = { ok: false, format: 'arf', error: `parser failure: ${(e as Error).message ?? e}` };
        }
        if (!again?.ok || again.reports.length === 0) {
          const error =
            again && !again.ok
              ? `${again.format}: ${again.error}`
              : 'not recognised as a machine-readable report any more';
          return finish(
            result('failed_format', 'report', {
              incidentId: prior.incidentId,
              reportIds: prior.reportIds,
              error,
            }),
            info,
          );
        }
        const reportIds = [...prior.reportIds];
        const trackingNumbers: string[] = [];
        for (const [i, r] of again.reports.entries()) {
          const created = await incidents.createReport(actor, {
            ...machineReportInput(r, rec, mail, messageId, i),
            attachments: [],
            ...(prior.incidentId !== null ? { incidentId: prior.incidentId } : {}),
          });
          reportIds.push(created.report.id);
          trackingNumbers.push(created.trackingNumber);
        }
        return finish(
          result('processed', 'machine', { incidentId: prior.incidentId, reportIds, trackingNumbers }),
          info,
        );
      }
      return finish(
        result('processed', 'report', { incidentId: prior.incidentId, reportIds: prior.reportIds }),
        info,
      );
    }
    // The same message again (a sender retrying after a lost 250): one report is enough.
    if (messageId !== '') {
      const earlier = await repo.findReceivedMessageId(messageId, rec.id);
      if (earlier) {
        const first = await repo.findReportsOfMessage(earlier.mailMessageId);
        return finish(
          result('processed', 'duplicate', {
            incidentId: first.incidentId,
            error: `same Message-ID as message ${earlier.mailMessageId}`,
          }),
          info,
        );
      }
    }

    const body = bodyOf(mail);
    const reporter = await reporterOf(mail);
    const language = guessLanguage(`${mail.subject}\n${body}`);
    const subject = mail.subject.replace(/\s+/g, ' ').trim().slice(0, 500);
    // 0. Machine feed mail: its attachments go to the feed pipeline, no incident report is made.
    if (deps.feedRouter) {
      const submitted = await deps.feedRouter({
        from: mail.from,
        subject: mail.subject,
        attachments: mail.attachments.map((a) => ({
          fileName: a.filename,
          contentType: a.contentType,
          content: a.content,
        })),
      });
      if (submitted.length > 0) {
        return finish(
          result('processed', 'feed', {
            rawReportIds: submitted.map((s) => s.rawReportId),
            error: feedNote(submitted),
          }),
          info,
          { ack: { state: 'suppressed', note: 'feed mail' } },
        );
      }
    }

    // 1. A reply about an incident we know: correspondence on its timeline.
    const incidentId = await threadTarget(mail);
    if (incidentId !== null) {
      const created = await incidents.createReport(actor, {
        channel: 'email',
        reporter,
        receivedAt: rec.receivedAt,
        subject: subject || `(${rec.id})`,
        description: body,
        language,
        attachments: keptAttachments(rec, mail, true),
        meta: { ...baseMeta(rec, messageId, mail), correspondence: true },
        observables: plainObservables(mail, body),
        incidentId,
      });
      return finish(
        result('processed', 'correspondence', {
          incidentId,
          reportIds: [created.report.id],
          trackingNumbers: [created.trackingNumber],
        }),
        info,
        { recordIncident: incidentId },
      );
    }

    // 2. A machine-readable report: one typed report per entry.
    let machine: MachineReportResult | null;
    try {
      machine = analyser.machineReport(mail);
    } catch (e) {
      machine = { ok: false, format: 'arf', error: `parser failure: ${(e as Error).message ?? e}` };
    }
    if (machine?.ok && machine.reports.length > 0) {
      const reportIds: number[] = [];
      const trackingNumbers: string[] = [];
      let firstIncident: number | null = null;
      let firstCreated: { trackingNumber: string; statusSecret: string; incidentId: number | null } | null =
        null;
      for (const [i, r] of machine.reports.entries()) {
        const created = await incidents.createReport(actor, machineReportInput(r, rec, mail, messageId, i));
        reportIds.push(created.report.id);
        trackingNumbers.push(created.trackingNumber);
        firstIncident ??= created.incident?.id ?? null;
        firstCreated ??= {
          trackingNumber: created.trackingNumber,
          statusSecret: created.statusSecret,
          incidentId: created.incident?.id ?? null,
        };
      }
      const decision = await ackDecision(rec, mail, true);
      const r = await finish(
        result('processed', 'machine', { incidentId: firstIncident, reportIds, trackingNumbers }),
        info,
        { recordIncident: firstIncident, ack: decision },
      );
      if (decision === null) r.ack = await sendAck(rec, mail, messageId, firstCreated!);
      return r;
    }

    // 3. A plain report (also when a machine-readable one is invalid: nothing is lost).
    const formatError = machine && !machine.ok ? `${machine.format}: ${machine.error}` : '';
    const created = await incidents.createReport(actor, {
      channel: 'email',
      reporter,
      receivedAt: rec.receivedAt,
      subject: subject || (body.trim() === '' ? `(message ${rec.id} without subject or text)` : ''),
      description: body,
      language,
      attachments: keptAttachments(rec, mail, true),
      meta: {
        ...baseMeta(rec, messageId, mail),
        ...(formatError ? { formatError, format: machine!.format } : {}),
      },
      observables: plainObservables(mail, body),
      branchCode: rec.branchCode,
    });
    const newIncident = created.incident?.id ?? null;
    const decision = await ackDecision(rec, mail, false);
    const r = await finish(
      result(formatError ? 'failed_format' : 'processed', 'report', {
        incidentId: newIncident,
        reportIds: [created.report.id],
        trackingNumbers: [created.trackingNumber],
        error: formatError,
      }),
      info,
      { recordIncident: newIncident, ack: decision },
    );
    if (decision === null) {
      r.ack = await sendAck(rec, mail, messageId, {
        trackingNumber: created.trackingNumber,
        statusSecret: created.statusSecret,
        incidentId: newIncident,
      });
    }
    return r;
  }

  function machineReportInput(
    r: MachineReport,
    rec: MailMessageRecord | null,
    mail: MailInput | null,
    messageId: string,
    index: number,
    channel: 'email' | 'api' = 'email',
    branchCode?: string,
  ) {
    const observables = r.observables.filter((o) => o.value !== '').slice(0, 10_000);
    const listed = observables.map((o) => `${o.kind}: ${o.value}`).join('\n');
    const description = clip([r.description.trim(), listed].filter((s) => s !== '').join('\n\n'));
    const reporterEmail = validEmail(r.reporter.email) || (mail ? validEmail(mail.from) : '');
    return {
      channel,
      reporter: {
        type: (r.reporter.organisation ? 'organisation' : 'partner') as ReporterType,
        name: (r.reporter.name || r.reporter.organisation).slice(0, 200),
        email: reporterEmail,
      },
      receivedAt: rec?.receivedAt,
      subject: (r.subject || mail?.subject || `${r.format} report`).replace(/\s+/g, ' ').trim().slice(0, 500),
      description: description || r.format,
      category: r.category as Category,
      language: guessLanguage(`${r.subject}\n${r.description}`),
      attachments: rec && mail && index === 0 ? keptAttachments(rec, mail, false) : [],
      meta: {
        ...(rec && mail ? baseMeta(rec, messageId, mail) : {}),
        format: r.format,
        rsitType: r.rsitType,
        occurredAt: r.occurredAt,
        reporterOrganisation: r.reporter.organisation,
        ...(index > 0 ? { part: index + 1 } : {}),
        machine: r.meta,
      },
      observables,
      branchCode: branchCode ?? rec?.branchCode,
    };
  }

  async function processOne(id?: number, formatRetry = false): Promise<ProcessResult | null> {
    const now = clock.now();
    const rec = await repo.claim(
      now.toISOString(),
      new Date(now.getTime() - claimTimeoutMs).toISOString(),
      id,
    );
    if (!rec) return null;
    try {
      return await processClaimed(rec, formatRetry);
    } catch (e) {
      const error = e instanceof DomainError ? `${e.id}: ${e.message}` : `${(e as Error).message ?? e}`;
      await repo.finish(rec.id, {
        state: 'failed',
        error: error.slice(0, 4000),
        outcome: '',
        incidentId: null,
        reportIds: [],
        messageId: '',
        subject: '',
        fromAddress: '',
        processedAt: nowIso(),
      });
      return {
        id: rec.id,
        state: 'failed',
        outcome: '',
        incidentId: null,
        reportIds: [],
        trackingNumbers: [],
        error,
        ack: '',
      };
    }
  }

  async function visible(a: Actor, id: number): Promise<MailMessageRecord> {
    requirePermission(a, 'incident.read');
    const rec = await repo.get(scopeOf(a), id);
    if (!rec) throw notFound(`mail message ${id}`);
    return rec;
  }

  const service: MailIntakeService = {
    receive,
    processNext: () => processOne(),
    async processPending(limit = Number.POSITIVE_INFINITY) {
      const out: ProcessResult[] = [];
      while (out.length < limit) {
        const r = await processOne();
        if (!r) break;
        out.push(r);
      }
      return out;
    },
    async ingest(envelope, raw) {
      const { id } = await receive(envelope, raw);
      const r = await processOne(id);
      // Another processor took it first: report what it made.
      if (!r) {
        const rec = await repo.get(scopeOf(actor), id);
        return {
          id,
          state: rec?.state ?? 'processing',
          outcome: rec?.outcome ?? '',
          incidentId: rec?.incidentId ?? null,
          reportIds: rec?.reportIds ?? [],
          trackingNumbers: [],
          error: rec?.error ?? '',
          ack: rec?.ackState ?? '',
        };
      }
      return r;
    },
    async list(a, query = {}) {
      requirePermission(a, 'incident.read');
      const limit = Math.min(Math.max(query.limit ?? 50, 1), 500);
      return repo.list(scopeOf(a), { ...query, limit });
    },
    async countByState(a) {
      requirePermission(a, 'incident.read');
      return repo.countByState(scopeOf(a));
    },
    async get(a, id) {
      const rec = await visible(a, id);
      const { raw, ...summary } = rec;
      const head = Buffer.from(raw.buffer, raw.byteOffset, Math.min(raw.byteLength, 8192)).toString('utf8');
      return { ...summary, preview: head };
    },
    async getRaw(a, id) {
      return (await visible(a, id)).raw;
    },
    async retry(a, id) {
      requirePermission(a, 'incident.write');
      const rec = await visible(a, id);
      if (rec.state !== 'failed' && rec.state !== 'failed_format') {
        throw new DomainError(
          'conflict',
          `mail message ${id} is ${rec.state}; only failed messages are retried`,
        );
      }
      await repo.requeue(id);
      const r = await processOne(id, rec.state === 'failed_format');
      if (!r) throw new DomainError('conflict', `mail message ${id} is being processed`);
      return r;
    },
    async submitRaw(a, contentType, body, defaults = {}) {
      requirePermission(a, 'report.create');
      const type = contentType.split(';')[0]!.trim().toLowerCase();
      if (body.byteLength === 0) throw invalidInput('empty body', [{ field: '(body)', message: 'is empty' }]);
      if (type === 'message/rfc822') {
        const r = await service.ingest(
          {
            source: 'api',
            mailFrom: '',
            rcptTo: [],
            branchCode: defaults.branchCode ?? a.branchCode ?? 'CN-NATIONAL',
            remoteIp: a.ip,
            helo: '',
          },
          body,
        );
        if (r.state === 'failed') {
          throw invalidInput(`message ${r.id} could not be processed: ${r.error}`, [
            { field: '(body)', message: r.error },
          ]);
        }
        return {
          trackingNumbers: r.trackingNumbers,
          reportIds: r.reportIds,
          incidentIds: r.incidentId === null ? [] : [r.incidentId],
          format: r.outcome === 'machine' ? 'machine' : 'email',
          mailMessageId: r.id,
        };
      }
      const doc = analyser.machineDocument(type, body);
      if (doc === null) {
        throw invalidInput(
          `not a recognised report format (${type}): send message/rfc822, XARF v4 JSON or IODEF XML`,
          [{ field: '(body)', message: 'unrecognised format' }],
        );
      }
      if (!doc.ok) {
        throw invalidInput(`invalid ${doc.format} report: ${doc.error}`, [
          { field: '(body)', message: doc.error },
        ]);
      }
      if (doc.reports.length === 0) {
        throw invalidInput(`${doc.format} document holds no report`, [
          { field: '(body)', message: 'no report' },
        ]);
      }
      const out: RawSubmission = {
        trackingNumbers: [],
        reportIds: [],
        incidentIds: [],
        format: doc.format,
        mailMessageId: null,
      };
      for (const [i, r] of doc.reports.entries()) {
        const input = machineReportInput(r, null, null, '', i, 'api', defaults.branchCode);
        const created = await incidents.createReport(a, {
          ...input,
          attachments:
            i === 0
              ? [
                  {
                    filename: type.includes('json') ? 'report.json' : 'report.xml',
                    contentType: type,
                    content: body as Uint8Array<ArrayBuffer>,
                  },
                ]
              : [],
        });
        out.trackingNumbers.push(created.trackingNumber);
        out.reportIds.push(created.report.id);
        if (created.incident) out.incidentIds.push(created.incident.id);
      }
      return out;
    },
    async recordSentMessageId(messageId, incidentId) {
      const id = parseMessageIds(messageId)[0];
      if (!id) return;
      await repo.recordMessageId({
        messageId: id,
        incidentId,
        direction: 'out',
        mailMessageId: null,
        at: nowIso(),
      });
    },
  };
  return service;
}
