import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { requirePermission, scopeOf, systemActor, type Actor } from '../core/auth/actor.ts';
import type { IncidentAction, IncidentDetail } from '../core/incidents/incident.ts';
import { MAX_ATTEMPTS, nextAttemptAfter } from '../core/notify/backoff.ts';
import {
  DEFAULT_TEMPLATES,
  MAIL_ACTION_KINDS,
  MAIL_LANGUAGES,
  TEMPLATE_FIELDS,
  renderTemplate,
  threadedSubject,
  validateTemplate,
  type MailActionKind,
  type MailLanguage,
  type MailTemplate,
  type TemplateVars,
} from '../core/notify/templates.ts';
import type { Clock } from '../core/shared/clock.ts';
import { DomainError, conflict, invalidInput, notFound } from '../core/shared/errors.ts';
import type {
  MailAttachment,
  MailTransport,
  NewOutboundMail,
  OutboundKind,
  OutboundMail,
  OutboundMailPort,
  OutboundState,
  OutboundSummary,
  OutboxFilter,
} from './ports.ts';
import type { IncidentService } from './incident.service.ts';

/** A message another area wants sent (inbound's auto-acknowledgement, a test mail, …). */
export interface OutgoingMailInput {
  to: string;
  subject: string;
  text: string;
  html?: string | null;
  headers?: Record<string, string>;
  inReplyTo?: string | null;
  references?: string[];
  /** The incident the mail is about: the subject gets `[tag #id]` and `X-Certops-Incident`. */
  incidentId?: number | null;
  kind: OutboundKind;
  attachments?: MailAttachment[];
  createdBy?: number | null;
}

export interface SendOutcome {
  mail: OutboundMail;
  /** Accepted by the relay on this attempt. */
  delivered: boolean;
  /** The relay's refusal or the connection error, when not delivered. */
  error: string;
}

export interface FlushResult {
  sent: number;
  retried: number;
  failed: number;
}

/** A rendered incident mail (preview; sending the same values sends exactly this). */
export interface RenderedIncidentMail {
  actionKind: MailActionKind;
  language: MailLanguage;
  to: string;
  recipientName: string;
  subject: string;
  body: string;
  /** From the database (true) or the shipped default. */
  overridden: boolean;
}

export interface IncidentMailInput {
  actionKind: MailActionKind;
  language: MailLanguage;
  to: string;
  recipientName?: string;
  counterpartOrgId?: number | null;
  /** The previewed (possibly edited) texts; rendered from the template when absent. */
  subject?: string;
  body?: string;
}

export interface IncidentMailResult extends SendOutcome {
  action: IncidentAction;
}

export interface TemplateView extends MailTemplate {
  actionKind: MailActionKind;
  language: MailLanguage;
  overridden: boolean;
  updatedAt: string | null;
}

export interface OutboundMailService {
  /** Stores the message in the outbox; the sender loop delivers it. */
  queue(input: OutgoingMailInput): Promise<OutboundMail>;
  /** Stores the message and tries the relay at once; a failure leaves it queued for the retries. */
  sendNow(input: OutgoingMailInput): Promise<SendOutcome>;
  /** Delivers every message due now (the sender loop and `certops mail flush`). */
  flush(options?: { limit?: number }): Promise<FlushResult>;
  readonly relayConfigured: boolean;

  previewIncidentMail(
    actor: Actor,
    incidentId: number,
    input: Omit<IncidentMailInput, 'subject' | 'body' | 'counterpartOrgId'>,
  ): Promise<RenderedIncidentMail>;
  /** Sends a mail about an incident and records it as an action on its timeline (Message-ID, delivery). */
  sendIncidentMail(actor: Actor, incidentId: number, input: IncidentMailInput): Promise<IncidentMailResult>;

  listOutbox(actor: Actor, filter: Partial<OutboxFilter>): Promise<OutboundSummary[]>;
  countOutbox(actor: Actor): Promise<Record<OutboundState, number>>;
  getMail(actor: Actor, id: number): Promise<OutboundMail>;
  /** A failed message queued again now. */
  retry(actor: Actor, id: number): Promise<OutboundMail>;

  listTemplates(actor: Actor): Promise<TemplateView[]>;
  getTemplate(actor: Actor, actionKind: string, language: string): Promise<TemplateView>;
  saveTemplate(actor: Actor, actionKind: string, language: string, t: MailTemplate): Promise<TemplateView>;
  resetTemplate(actor: Actor, actionKind: string, language: string): Promise<TemplateView>;

  /** A new `<uuid@host>` Message-ID. */
  newMessageId(): string;
  /** The outbox row of a composed message (the bulk notifier stores it with its items). */
  compose(input: OutgoingMailInput): NewOutboundMail;
}

export interface OutboundMailServiceDeps {
  outbox: OutboundMailPort;
  /** null: no relay configured; mail stays queued. */
  transport: MailTransport | null;
  incidents: IncidentService;
  clock: Clock;
  config: {
    from: string;
    subjectTag: string;
    messageIdHost: string;
    timeZone: string;
    site: { nameZh: string; nameEn: string };
  };
  /** Labels a person reads in the mail (i18n lives above services). */
  labels: {
    category(lang: MailLanguage, category: string): string;
    branch(lang: MailLanguage, code: string): Promise<string>;
  };
}

const LOCK_MS = 10 * 60_000;
const MAX_OBSERVABLES = 100;

const addressSchema = z.email({ error: 'expected an e-mail address' }).max(254);
const headerNameRe = /^[A-Za-z0-9-]{1,76}$/;

function fieldError(field: string, message: string): DomainError {
  return invalidInput(`${field}: ${message}`, [{ field, message }]);
}

function errorText(e: unknown): string {
  const err = e as { message?: string; code?: string; responseCode?: number; response?: string };
  const parts = [err.code, err.responseCode, err.response ?? err.message].filter(
    (p) => p !== undefined && p !== '',
  );
  return parts.join(' ').replace(/\s+/g, ' ').slice(0, 1000) || String(e);
}

function formatInstant(iso: string, timeZone: string): string {
  const d = new Date(iso);
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(d);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')} (${timeZone})`;
}

/** The timeline note of an incident mail: Message-ID, recipient and delivery result. */
export function deliveryNote(
  mail: Pick<
    OutboundMail,
    'messageId' | 'to' | 'state' | 'attempts' | 'response' | 'lastError' | 'nextAttemptAt'
  >,
): string {
  const lines = [`Message-ID: ${mail.messageId}`, `To: ${mail.to}`];
  if (mail.state === 'sent') lines.push(`Delivery: sent (${mail.response || 'accepted'})`);
  else if (mail.state === 'failed')
    lines.push(`Delivery: failed after ${mail.attempts} attempts (${mail.lastError})`);
  else if (mail.attempts > 0)
    lines.push(
      `Delivery: attempt ${mail.attempts} failed (${mail.lastError}); next attempt ${mail.nextAttemptAt}`,
    );
  else lines.push('Delivery: queued');
  return lines.join('\n');
}

export function createOutboundMailService(deps: OutboundMailServiceDeps): OutboundMailService {
  const { outbox, transport, clock, config } = deps;
  const nowIso = () => clock.now().toISOString();
  const idHost =
    config.messageIdHost || config.from.slice(config.from.lastIndexOf('@') + 1) || 'certops.invalid';

  function newMessageId(): string {
    return `<${randomUUID()}@${idHost}>`;
  }

  function compose(input: OutgoingMailInput): NewOutboundMail {
    const to = addressSchema.safeParse(input.to.trim());
    if (!to.success) throw fieldError('to', 'expected an e-mail address');
    const subject = input.subject.replace(/[\r\n]+/g, ' ').trim();
    if (subject === '') throw fieldError('subject', 'must not be empty');
    if (input.text.trim() === '') throw fieldError('text', 'must not be empty');
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(input.headers ?? {})) {
      if (!headerNameRe.test(k)) throw fieldError(`headers.${k}`, 'not a header name');
      if (/^(from|to|cc|bcc|subject|message-id|date|mime-version|content-.*)$/i.test(k))
        throw fieldError(`headers.${k}`, 'set by certops');
      headers[k] = String(v).replace(/[\r\n]+/g, ' ');
    }
    const incidentId = input.incidentId ?? null;
    if (incidentId !== null) headers['X-Certops-Incident'] = String(incidentId);
    const now = nowIso();
    return {
      kind: input.kind,
      incidentId,
      actionId: null,
      from: config.from,
      to: to.data.toLowerCase(),
      subject: incidentId !== null ? threadedSubject(config.subjectTag, incidentId, subject) : subject,
      text: input.text,
      html: input.html ?? null,
      headers,
      messageId: newMessageId(),
      inReplyTo: input.inReplyTo ?? null,
      references: input.references ?? (input.inReplyTo ? [input.inReplyTo] : []),
      attachments: input.attachments ?? [],
      createdBy: input.createdBy ?? null,
      createdAt: now,
      nextAttemptAt: now,
    };
  }

  async function store(input: OutgoingMailInput): Promise<OutboundMail> {
    return outbox.insert(compose(input));
  }

  /** The timeline action follows the delivery: its note, and `failure` once the retries are spent. */
  async function followAction(mail: OutboundMail): Promise<void> {
    if (mail.actionId === null || mail.incidentId === null) return;
    try {
      await deps.incidents.updateAction(systemActor('mail'), mail.incidentId, mail.actionId, {
        outcome: mail.state === 'failed' ? 'failure' : 'pending',
        note: deliveryNote(mail),
      });
    } catch (e) {
      // The incident may have been merged meanwhile; the outbox keeps the delivery state either way.
      if (!(e instanceof DomainError)) throw e;
    }
  }

  /** One attempt of a claimed message. */
  async function attempt(mail: OutboundMail): Promise<SendOutcome> {
    const attempts = mail.attempts + 1;
    try {
      if (!transport) throw new Error('no SMTP relay configured (mail.relay.host)');
      const result = await transport.send({
        from: mail.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        headers: mail.headers,
        messageId: mail.messageId,
        inReplyTo: mail.inReplyTo,
        references: mail.references,
        attachments: mail.attachments,
        date: clock.now(),
      });
      const at = nowIso();
      await outbox.markSent(mail.id, attempts, at, result.response);
      const updated = {
        ...mail,
        state: 'sent' as const,
        attempts,
        sentAt: at,
        response: result.response,
        lastError: '',
      };
      await followAction(updated);
      return { mail: updated, delivered: true, error: '' };
    } catch (e) {
      const error = errorText(e);
      const next = nextAttemptAfter(attempts, clock.now());
      let updated: OutboundMail;
      if (next) {
        await outbox.markRetry(mail.id, attempts, next.toISOString(), error);
        updated = { ...mail, state: 'queued', attempts, nextAttemptAt: next.toISOString(), lastError: error };
      } else {
        await outbox.markFailed(mail.id, attempts, error);
        updated = { ...mail, state: 'failed', attempts, nextAttemptAt: '', lastError: error };
      }
      await followAction(updated);
      return { mail: updated, delivered: false, error };
    }
  }

  async function sendStored(mail: OutboundMail): Promise<SendOutcome> {
    if (!transport) return { mail, delivered: false, error: 'no SMTP relay configured' };
    const claimed = await outbox.claimOne(mail.id, new Date(clock.now().getTime() + LOCK_MS).toISOString());
    if (!claimed) return { mail, delivered: false, error: 'taken by another sender' };
    return attempt(claimed);
  }

  async function visibleMail(actor: Actor, id: number): Promise<OutboundMail> {
    requirePermission(actor, 'incident.read');
    const mail = await outbox.get(id);
    if (!mail) throw notFound(`mail ${id}`);
    // The same access rule as the list, in SQL.
    if (!(await outbox.isVisible(scopeOf(actor), id))) throw notFound(`mail ${id}`);
    return mail;
  }

  function checkKind(actionKind: string): MailActionKind {
    if (!(MAIL_ACTION_KINDS as readonly string[]).includes(actionKind))
      throw fieldError('actionKind', `expected one of ${MAIL_ACTION_KINDS.join(', ')}`);
    return actionKind as MailActionKind;
  }

  function checkLanguage(language: string): MailLanguage {
    if (!(MAIL_LANGUAGES as readonly string[]).includes(language))
      throw fieldError('language', 'expected zh-CN or en');
    return language as MailLanguage;
  }

  async function templateFor(kind: MailActionKind, lang: MailLanguage): Promise<TemplateView> {
    const o = await outbox.getTemplate(kind, lang);
    const t = o ?? DEFAULT_TEMPLATES[kind][lang];
    return {
      actionKind: kind,
      language: lang,
      subject: t.subject,
      body: t.body,
      overridden: o !== null,
      updatedAt: o?.updatedAt ?? null,
    };
  }

  async function varsOf(
    incident: IncidentDetail,
    lang: MailLanguage,
    recipientName: string,
  ): Promise<TemplateVars> {
    const observables = [...new Set(incident.observables.map((o) => `${o.kind}: ${o.value}`))];
    const listed = observables.slice(0, MAX_OBSERVABLES).map((o) => `- ${o}`);
    if (observables.length > MAX_OBSERVABLES)
      listed.push(
        lang === 'en'
          ? `… and ${observables.length - MAX_OBSERVABLES} more`
          : `……另有 ${observables.length - MAX_OBSERVABLES} 项`,
      );
    return {
      incidentId: String(incident.id),
      trackingNumber: incident.reports[0]?.trackingNumber ?? `#${incident.id}`,
      title: incident.title,
      category: deps.labels.category(lang, incident.category),
      rsit: incident.rsit,
      severity: incident.severity,
      tlp: `TLP:${incident.tlp.toUpperCase()}`,
      branch: await deps.labels.branch(lang, incident.branchCode),
      observables: listed.length ? listed.join('\n') : lang === 'en' ? '(none)' : '（无）',
      description: incident.description.trim() || (lang === 'en' ? '(none)' : '（无）'),
      openedAt: formatInstant(incident.openedAt, config.timeZone),
      recipientName: recipientName || (lang === 'en' ? 'colleagues' : ''),
      senderName: lang === 'en' ? config.site.nameEn : config.site.nameZh,
      senderEmail: config.from,
    };
  }

  async function render(
    actor: Actor,
    incidentId: number,
    input: Omit<IncidentMailInput, 'subject' | 'body' | 'counterpartOrgId'>,
  ): Promise<{ rendered: RenderedIncidentMail; incident: IncidentDetail }> {
    const kind = checkKind(input.actionKind);
    const lang = checkLanguage(input.language);
    const incident = await deps.incidents.getIncident(actor, incidentId);
    const template = await templateFor(kind, lang);
    const recipientName = (input.recipientName ?? '').trim().slice(0, 200);
    const out = renderTemplate(template, await varsOf(incident, lang, recipientName));
    return {
      incident,
      rendered: {
        actionKind: kind,
        language: lang,
        to: input.to.trim(),
        recipientName,
        subject: threadedSubject(config.subjectTag, incident.id, out.subject),
        body: out.body,
        overridden: template.overridden,
      },
    };
  }

  function requireTemplateEditor(actor: Actor): void {
    requirePermission(actor, 'directory.write');
  }

  return {
    relayConfigured: transport !== null,
    newMessageId,
    compose,

    queue: (input) => store(input),

    async sendNow(input) {
      return sendStored(await store(input));
    },

    async flush(options = {}) {
      const result: FlushResult = { sent: 0, retried: 0, failed: 0 };
      if (!transport) return result;
      const limit = options.limit ?? 1000;
      let handled = 0;
      while (handled < limit) {
        const now = clock.now();
        const batch = await outbox.claimDue(
          now.toISOString(),
          new Date(now.getTime() + LOCK_MS).toISOString(),
          Math.min(50, limit - handled),
        );
        if (batch.length === 0) break;
        for (const mail of batch) {
          const r = await attempt(mail);
          handled += 1;
          if (r.delivered) result.sent += 1;
          else if (r.mail.state === 'failed') result.failed += 1;
          else result.retried += 1;
        }
      }
      return result;
    },

    async previewIncidentMail(actor, incidentId, input) {
      requirePermission(actor, 'incident.read');
      return (await render(actor, incidentId, input)).rendered;
    },

    async sendIncidentMail(actor, incidentId, input) {
      requirePermission(actor, 'incident.write');
      const to = addressSchema.safeParse((input.to ?? '').trim());
      if (!to.success) throw fieldError('to', 'expected an e-mail address');
      const { rendered, incident } = await render(actor, incidentId, input);
      if (incident.state === 'merged')
        throw conflict(`incident ${incidentId} was merged into ${incident.mergedIntoId}; act on that one`);
      const subject = input.subject !== undefined ? input.subject : rendered.subject;
      const body = input.body !== undefined ? input.body : rendered.body;
      if (subject.trim() === '') throw fieldError('subject', 'must not be empty');
      if (body.trim() === '') throw fieldError('body', 'must not be empty');
      // Earlier mail of this incident to the same address: the new one joins their thread.
      const earlier = await outbox.list(scopeOf(systemActor('mail')), { incidentId, limit: 50 });
      const references = earlier
        .filter((m) => m.to === to.data.toLowerCase())
        .map((m) => m.messageId)
        .reverse()
        .slice(-10);
      const mail = await store({
        kind: 'incident',
        incidentId,
        to: to.data,
        subject,
        text: body,
        references,
        inReplyTo: references[references.length - 1] ?? null,
        createdBy: actor.userId,
      });
      let action: IncidentAction;
      try {
        action = await deps.incidents.addAction(actor, incidentId, {
          kind: rendered.actionKind,
          counterpartOrgId: input.counterpartOrgId ?? null,
          counterpart: to.data.toLowerCase(),
          outcome: 'pending',
          note: deliveryNote(mail),
        });
      } catch (e) {
        // No timeline entry, no mail: the stored message is withdrawn before anyone sends it.
        await outbox.withdraw(mail.id);
        throw e;
      }
      await outbox.setAction(mail.id, action.id);
      const outcome = await sendStored({ ...mail, actionId: action.id });
      const latest =
        outcome.mail.actionId === null
          ? action
          : {
              ...action,
              note: deliveryNote(outcome.mail),
              outcome: outcome.mail.state === 'failed' ? ('failure' as const) : action.outcome,
            };
      return { ...outcome, action: latest };
    },

    async listOutbox(actor, filter) {
      requirePermission(actor, 'incident.read');
      const limit = filter.limit ?? 100;
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw fieldError('limit', 'must be 1–500');
      return outbox.list(scopeOf(actor), { ...filter, limit });
    },

    async countOutbox(actor) {
      requirePermission(actor, 'incident.read');
      return outbox.countByState(scopeOf(actor));
    },

    getMail: (actor, id) => visibleMail(actor, id),

    async retry(actor, id) {
      requirePermission(actor, 'incident.write');
      const mail = await visibleMail(actor, id);
      if (mail.state !== 'failed') throw conflict(`mail ${id} is ${mail.state}, not failed`);
      await outbox.requeue(id, nowIso());
      const again = (await outbox.get(id))!;
      if (transport) return (await sendStored(again)).mail;
      return again;
    },

    async listTemplates(actor) {
      requirePermission(actor, 'incident.read');
      const out: TemplateView[] = [];
      for (const kind of MAIL_ACTION_KINDS)
        for (const lang of MAIL_LANGUAGES) out.push(await templateFor(kind, lang));
      return out;
    },

    async getTemplate(actor, actionKind, language) {
      requirePermission(actor, 'incident.read');
      return templateFor(checkKind(actionKind), checkLanguage(language));
    },

    async saveTemplate(actor, actionKind, language, t) {
      requireTemplateEditor(actor);
      const kind = checkKind(actionKind);
      const lang = checkLanguage(language);
      const template = { subject: t.subject.trim(), body: t.body.replace(/\r\n/g, '\n') };
      validateTemplate(template);
      await outbox.upsertTemplate({
        actionKind: kind,
        language: lang,
        ...template,
        updatedAt: nowIso(),
        updatedBy: actor.userId,
      });
      return templateFor(kind, lang);
    },

    async resetTemplate(actor, actionKind, language) {
      requireTemplateEditor(actor);
      const kind = checkKind(actionKind);
      const lang = checkLanguage(language);
      await outbox.deleteTemplate(kind, lang);
      return templateFor(kind, lang);
    },
  };
}

/** Max attempts and template fields, for documentation and the console. */
export const OUTBOX_MAX_ATTEMPTS = MAX_ATTEMPTS;
export const MAIL_TEMPLATE_FIELDS = TEMPLATE_FIELDS;
