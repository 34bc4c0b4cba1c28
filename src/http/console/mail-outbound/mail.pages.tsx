import type { OpenAPIHono } from '@hono/zod-openapi';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Actor } from '../../../core/auth/actor.ts';
import { can } from '../../../core/auth/roles.ts';
import {
  displayNameOf,
  type Organisation,
  type OrganisationDetails,
} from '../../../core/directory/directory.ts';
import { BULK_INTERVALS } from '../../../core/notify/intervals.ts';
import {
  MAIL_ACTION_KINDS,
  MAIL_LANGUAGES,
  TEMPLATE_FIELDS,
  type MailActionKind,
  type MailLanguage,
} from '../../../core/notify/templates.ts';
import { DomainError, invalidInput, notFound } from '../../../core/shared/errors.ts';
import { hasMessage } from '../../../i18n/index.ts';
import type { RenderedIncidentMail } from '../../../services/outbound-mail.service.ts';
import type { OutboundState, OutboundSummary } from '../../../services/ports.ts';
import { requireActor } from '../../auth/auth.middleware.ts';
import type { AppDeps, AppEnv } from '../../context.ts';
import { csrfField, renderPage, t } from '../layout.tsx';
import { QUEUE_PATH, requireIncidentReader } from '../incidents/queue.pages.tsx';
import {
  Errors,
  Notice,
  Time,
  formStatus,
  isFormError,
  labelActionKind,
  parsePathId,
  readForm,
  type Ctx,
} from '../incidents/view-helpers.tsx';

/*
 * Outgoing mail in the console: /console/incidents/{id}/mail (pick the action, a directory contact
 * or an address and the language → preview → send; the mail is recorded on the timeline),
 * the incident page's mail panel (htmx partial), /console/mail/outbox (every message and its
 * delivery; failed ones can be sent again) and an organisation's notification settings.
 */

export const OUTBOX_PATH = '/console/mail/outbox';
export const TEMPLATES_PATH = '/console/mail/templates';
const STATES: readonly OutboundState[] = ['queued', 'sending', 'sent', 'failed'];

const mailPath = (incidentId: number) => `${QUEUE_PATH}/${incidentId}/mail`;
const settingsPath = (orgId: number) => `/console/directory/organisations/${orgId}/notify`;

function isWriter(actor: Actor): boolean {
  return actor.kind === 'system' || can(actor.role, 'incident.write');
}

function StateBadge(props: { c: Ctx; state: OutboundState }) {
  return <span class={`badge mail-${props.state}`}>{t(props.c, `notify.state.${props.state}`)}</span>;
}

/** The rows of an outbox list (incident panel and outbox page). */
function OutboxTable(props: {
  c: Ctx;
  rows: OutboundSummary[];
  timeZone: string;
  writer: boolean;
  back: string;
}) {
  const { c } = props;
  if (props.rows.length === 0) return <p class="muted">{t(c, 'notify.outbox.empty')}</p>;
  return (
    <table class="outbox">
      <thead>
        <tr>
          <th>{t(c, 'notify.outbox.created')}</th>
          <th>{t(c, 'notify.outbox.state')}</th>
          <th>{t(c, 'notify.outbox.kind')}</th>
          <th>{t(c, 'notify.outbox.incident')}</th>
          <th>{t(c, 'notify.outbox.to')}</th>
          <th>{t(c, 'notify.outbox.subject')}</th>
          <th>{t(c, 'notify.outbox.attempts')}</th>
          <th>{t(c, 'notify.outbox.result')}</th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map((m) => (
          <tr data-mail-id={String(m.id)} data-mail-state={m.state}>
            <td style="white-space:nowrap">
              <Time iso={m.createdAt} timeZone={props.timeZone} />
            </td>
            <td>
              <StateBadge c={c} state={m.state} />
            </td>
            <td>{t(c, `notify.kind.${m.kind}`)}</td>
            <td>
              {m.incidentId !== null ? <a href={`${QUEUE_PATH}/${m.incidentId}`}>#{m.incidentId}</a> : '–'}
            </td>
            <td class="mono">{m.to}</td>
            <td>
              {m.subject}
              <div class="mono muted" style="font-size:0.85em">
                {m.messageId}
              </div>
            </td>
            <td>{String(m.attempts)}</td>
            <td style="word-break:break-word">
              {m.state === 'sent' ? (
                <>
                  <Time iso={m.sentAt} timeZone={props.timeZone} /> <span class="muted">{m.response}</span>
                </>
              ) : (
                <>
                  {m.lastError ? <div>{m.lastError}</div> : null}
                  {m.state === 'queued' && m.nextAttemptAt ? (
                    <div class="muted">
                      {t(c, 'notify.outbox.next')}: <Time iso={m.nextAttemptAt} timeZone={props.timeZone} />
                    </div>
                  ) : null}
                  {m.state === 'failed' && props.writer ? (
                    <form method="post" action={`${OUTBOX_PATH}/${m.id}/retry`} class="inline">
                      {csrfField(c)}
                      <input type="hidden" name="back" value={props.back} />
                      <button type="submit" class="secondary">
                        {t(c, 'notify.outbox.retry')}
                      </button>
                    </form>
                  ) : null}
                </>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** An organisation search and its contacts with an e-mail address, as `orgId:contactId` options. */
async function contactOptions(deps: AppDeps, actor: Actor, q: string): Promise<OrganisationDetails[]> {
  const query = q.trim().slice(0, 200);
  if (query === '' || !can(actor.role, 'directory.read')) return [];
  const page = await deps.services.directory.searchOrganisations(actor, { q: query, pageSize: 10 });
  return Promise.all(
    page.items.map((o: Organisation) => deps.services.directory.getOrganisation(actor, o.id)),
  );
}

interface ComposeForm {
  actionKind: string;
  language: string;
  orgq: string;
  contact: string;
  to: string;
  recipientName: string;
}

function composeFormOf(src: Record<string, string | undefined>, fallbackLang: MailLanguage): ComposeForm {
  return {
    actionKind: src.actionKind ?? 'notify_owner',
    language: src.language ?? fallbackLang,
    orgq: src.orgq ?? '',
    contact: src.contact ?? '',
    to: src.to ?? '',
    recipientName: src.recipientName ?? '',
  };
}

/** The address, name and organisation a form names: a directory contact (`orgId:contactId`) or a typed address. */
async function resolveRecipient(
  deps: AppDeps,
  actor: Actor,
  form: ComposeForm,
  language: string,
): Promise<{ to: string; recipientName: string; orgId: number | null }> {
  let to = form.to.trim();
  let recipientName = form.recipientName.trim();
  let orgId: number | null = null;
  const m = /^(\d{1,15}):(\d{1,15})$/.exec(form.contact);
  if (m) {
    const org = await deps.services.directory.getOrganisation(actor, Number(m[1]));
    const contact = org.contacts.find((ct) => ct.id === Number(m[2]));
    if (!contact || !contact.email)
      throw invalidInput('contact: not a contact with an e-mail address', [
        { field: 'to', message: 'not a contact with an e-mail address' },
      ]);
    orgId = org.id;
    if (to === '') to = contact.email;
    if (recipientName === '')
      recipientName = contact.name || displayNameOf(org, language === 'en' ? 'en' : 'zh-CN');
  } else if (form.contact !== '') {
    throw invalidInput('contact: not a directory contact', [
      { field: 'to', message: 'not a directory contact' },
    ]);
  }
  return { to, recipientName, orgId };
}

interface ComposeState {
  form: ComposeForm;
  preview?: RenderedIncidentMail | null;
  subject?: string;
  body?: string;
  errors?: string[];
  notice?: string;
  status?: ContentfulStatusCode;
}

async function renderCompose(c: Ctx, deps: AppDeps, actor: Actor, incidentId: number, state: ComposeState) {
  const incident = await deps.services.incidents.getIncident(actor, incidentId);
  const { form } = state;
  const orgs = await contactOptions(deps, actor, form.orgq);
  const lang = c.get('lang');
  const timeZone = deps.config.timeZone;
  const mails = await deps.services.mailOutbound.listOutbox(actor, { incidentId, limit: 100 });
  const base = mailPath(incidentId);
  const writer = isWriter(actor) && incident.state !== 'merged';
  return renderPage(c, {
    title: t(c, 'notify.compose.title', { id: incidentId }),
    status: state.status ?? 200,
    body: (
      <>
        <p>
          <a href={`${QUEUE_PATH}/${incidentId}`}>{t(c, 'notify.compose.back')}</a> ·{' '}
          <a href={OUTBOX_PATH}>{t(c, 'notify.panel.outbox')}</a>
        </p>
        <h1>{t(c, 'notify.compose.title', { id: incidentId })}</h1>
        <p>{incident.title}</p>
        <Notice text={state.notice} />
        <Errors errors={state.errors} />
        {deps.services.mailOutbound.relayConfigured ? null : (
          <div class="notice error">{t(c, 'notify.compose.no_relay')}</div>
        )}
        {writer ? (
          <section class="panel">
            <form method="get" action={base} class="grid">
              <label>
                {t(c, 'notify.compose.kind')}
                <select name="actionKind">
                  {MAIL_ACTION_KINDS.map((k) => (
                    <option value={k} selected={form.actionKind === k}>
                      {labelActionKind(c, k)}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                {t(c, 'notify.compose.language')}
                <select name="language">
                  {MAIL_LANGUAGES.map((l) => (
                    <option value={l} selected={form.language === l}>
                      {t(c, `notify.lang.${l}`)}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                {t(c, 'notify.compose.org_search')}
                <input
                  type="search"
                  name="orgq"
                  value={form.orgq}
                  maxlength={200}
                  placeholder={t(c, 'notify.compose.org_search_hint')}
                />
              </label>
              <label>
                {t(c, 'notify.compose.contact')}
                <select name="contact">
                  <option value="">{t(c, 'notify.compose.contact_none')}</option>
                  {orgs.flatMap((o) =>
                    o.contacts
                      .filter((ct) => ct.email)
                      .map((ct) => (
                        <option value={`${o.id}:${ct.id}`} selected={form.contact === `${o.id}:${ct.id}`}>
                          {`${displayNameOf(o, lang)} · ${t(c, `directory.role.${ct.role}`)} · ${ct.email}`}
                        </option>
                      )),
                  )}
                </select>
              </label>
              <label>
                {t(c, 'notify.compose.to')}
                <input
                  type="email"
                  name="to"
                  value={form.to}
                  maxlength={254}
                  placeholder={t(c, 'notify.compose.to_hint')}
                />
              </label>
              <label>
                {t(c, 'notify.compose.recipient_name')}
                <input name="recipientName" value={form.recipientName} maxlength={200} />
              </label>
              <input type="hidden" name="preview" value="1" />
              <div>
                <button type="submit" class="secondary">
                  {t(c, 'notify.compose.preview')}
                </button>
              </div>
            </form>
          </section>
        ) : null}
        {writer && state.preview ? (
          <section class="panel" id="preview">
            <h2>{t(c, 'notify.compose.preview_title')}</h2>
            <form method="post" action={base} class="grid">
              {csrfField(c)}
              <input type="hidden" name="actionKind" value={state.preview.actionKind} />
              <input type="hidden" name="language" value={state.preview.language} />
              <input type="hidden" name="contact" value={form.contact} />
              <input type="hidden" name="orgq" value={form.orgq} />
              <input type="hidden" name="recipientName" value={state.preview.recipientName} />
              <label>
                {t(c, 'notify.compose.to')}
                <input type="email" name="to" value={state.preview.to} required maxlength={254} />
              </label>
              <label style="grid-column:1/-1">
                {t(c, 'notify.compose.subject')}
                <input
                  name="subject"
                  value={state.subject ?? state.preview.subject}
                  required
                  maxlength={998}
                />
              </label>
              <label style="grid-column:1/-1">
                {t(c, 'notify.compose.body')}
                <textarea name="body" rows={24} required class="mono" maxlength={200000}>
                  {state.body ?? state.preview.body}
                </textarea>
              </label>
              <div>
                <button type="submit">{t(c, 'notify.compose.send')}</button>
              </div>
            </form>
          </section>
        ) : null}
        <section class="panel">
          <h2>{t(c, 'notify.panel.title')}</h2>
          <OutboxTable c={c} rows={mails} timeZone={timeZone} writer={writer} back={base} />
        </section>
      </>
    ),
  });
}

/** The notification settings page exists for roles that may read the directory. */
function requireDirectoryReader(c: Ctx): Actor {
  const actor = requireActor(c);
  if (actor.kind !== 'system' && !can(actor.role, 'directory.read')) throw notFound('page');
  return actor;
}

/** The lines of a refused form: each field with its label in the request's language. */
function errorsOf(c: Ctx, e: DomainError): string[] {
  if (e.fields.length === 0) return [e.message];
  return e.fields.map((f) => {
    const key = `notify.field.${f.field}`;
    return `${hasMessage(key) ? t(c, key) : f.field}: ${f.message}`;
  });
}

/** A path-safe local redirect target (`back` field). */
function safeBack(raw: string | undefined): string {
  return raw && /^\/console\/[A-Za-z0-9/_-]*$/.test(raw) ? raw : OUTBOX_PATH;
}

export function registerMailOutboundPages(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const svc = () => deps.services.mailOutbound;
  const defaultLang = (c: Ctx): MailLanguage => (c.get('lang') === 'en' ? 'en' : 'zh-CN');

  app.get(`${QUEUE_PATH}/:id{[0-9]+}/mail`, async (c) => {
    const actor = requireIncidentReader(c);
    const id = parsePathId(c.req.param('id'));
    const form = composeFormOf(c.req.query(), defaultLang(c));
    const state: ComposeState = { form };
    const sent = c.req.query('sent');
    if (sent && /^\d{1,15}$/.test(sent)) {
      try {
        const mail = await svc().getMail(actor, Number(sent));
        state.notice =
          mail.state === 'sent'
            ? t(c, 'notify.compose.sent', { messageId: mail.messageId })
            : t(c, 'notify.compose.queued', { error: mail.lastError || t(c, `notify.state.${mail.state}`) });
      } catch (e) {
        if (!(e instanceof DomainError)) throw e;
      }
    }
    if (c.req.query('retried') === '1') state.notice = t(c, 'notify.compose.retried');
    if (c.req.query('preview') === '1') {
      try {
        const r = await resolveRecipient(deps, actor, form, form.language);
        state.preview = await svc().previewIncidentMail(actor, id, {
          actionKind: form.actionKind as MailActionKind,
          language: form.language as MailLanguage,
          to: r.to,
          recipientName: r.recipientName,
        });
      } catch (e) {
        if (!isFormError(e)) throw e;
        state.errors = errorsOf(c, e);
        state.status = formStatus(e);
      }
    }
    return renderCompose(c, deps, actor, id, state);
  });

  app.post(`${QUEUE_PATH}/:id{[0-9]+}/mail`, async (c) => {
    const actor = requireIncidentReader(c);
    const id = parsePathId(c.req.param('id'));
    const raw = await readForm(c);
    const form = composeFormOf(raw, defaultLang(c));
    try {
      const r = await resolveRecipient(deps, actor, form, form.language);
      const result = await svc().sendIncidentMail(actor, id, {
        actionKind: form.actionKind as MailActionKind,
        language: form.language as MailLanguage,
        to: r.to,
        recipientName: r.recipientName,
        counterpartOrgId: r.orgId,
        subject: raw.subject ?? '',
        body: (raw.body ?? '').replace(/\r\n/g, '\n'),
      });
      return c.redirect(`${mailPath(id)}?sent=${result.mail.id}`, 303);
    } catch (e) {
      if (!isFormError(e)) throw e;
      // Show the edited texts again with the reason.
      let preview: RenderedIncidentMail | null = null;
      try {
        preview = await svc().previewIncidentMail(actor, id, {
          actionKind: form.actionKind as MailActionKind,
          language: form.language as MailLanguage,
          to: form.to,
          recipientName: form.recipientName,
        });
      } catch {
        preview = null;
      }
      return renderCompose(c, deps, actor, id, {
        form,
        preview,
        subject: raw.subject ?? '',
        body: raw.body ?? '',
        errors: errorsOf(c, e),
        status: formStatus(e),
      });
    }
  });

  /** htmx: the incident page's mail panel. */
  app.get(`${QUEUE_PATH}/:id{[0-9]+}/mail/panel`, async (c) => {
    const actor = requireIncidentReader(c);
    const id = parsePathId(c.req.param('id'));
    await deps.services.incidents.getIncident(actor, id);
    const rows = await svc().listOutbox(actor, { incidentId: id, limit: 20 });
    const html = await (
      <div class="mail-panel">
        {rows.length === 0 ? (
          <p class="muted">{t(c, 'notify.panel.none')}</p>
        ) : (
          <OutboxTable
            c={c}
            rows={rows}
            timeZone={deps.config.timeZone}
            writer={isWriter(actor)}
            back={mailPath(id)}
          />
        )}
      </div>
    ).toString();
    return c.html(html);
  });

  app.get(OUTBOX_PATH, async (c) => {
    const actor = requireIncidentReader(c);
    const stateQ = c.req.query('state') ?? '';
    const state = (STATES as readonly string[]).includes(stateQ) ? (stateQ as OutboundState) : undefined;
    const [rows, counts] = await Promise.all([
      svc().listOutbox(actor, { limit: 200, ...(state ? { state } : {}) }),
      svc().countOutbox(actor),
    ]);
    const notice = c.req.query('retried') === '1' ? t(c, 'notify.compose.retried') : undefined;
    return renderPage(c, {
      title: t(c, 'notify.outbox.title'),
      body: (
        <>
          <h1>{t(c, 'notify.outbox.title')}</h1>
          <Notice text={notice} />
          {svc().relayConfigured ? null : <div class="notice error">{t(c, 'notify.compose.no_relay')}</div>}
          <p class="muted">
            {t(c, 'notify.outbox.counts', counts)} ·{' '}
            <a href={TEMPLATES_PATH}>{t(c, 'notify.templates.title')}</a>
          </p>
          <form method="get" action={OUTBOX_PATH} class="inline">
            <select name="state">
              <option value="">{t(c, 'notify.outbox.all')}</option>
              {STATES.map((s) => (
                <option value={s} selected={state === s}>
                  {t(c, `notify.state.${s}`)}
                </option>
              ))}
            </select>{' '}
            <button type="submit" class="secondary">
              {t(c, 'notify.outbox.filter')}
            </button>
          </form>
          <OutboxTable
            c={c}
            rows={rows}
            timeZone={deps.config.timeZone}
            writer={isWriter(actor)}
            back={OUTBOX_PATH}
          />
        </>
      ),
    });
  });

  app.post(`${OUTBOX_PATH}/:mid{[0-9]+}/retry`, async (c) => {
    const actor = requireIncidentReader(c);
    const form = await readForm(c);
    await svc().retry(actor, parsePathId(c.req.param('mid'), 'mail'));
    const back = safeBack(form.back);
    return c.redirect(`${back}?retried=1`, 303);
  });

  const renderTemplate = async (
    c: Ctx,
    actor: Actor,
    kind: string,
    language: string,
    extra: {
      notice?: string;
      errors?: string[];
      status?: ContentfulStatusCode;
      subject?: string;
      body?: string;
    } = {},
  ) => {
    const tv = await svc().getTemplate(actor, kind, language);
    const editor = actor.kind === 'system' || can(actor.role, 'directory.write');
    const title = `${labelActionKind(c, tv.actionKind)} · ${t(c, `notify.lang.${tv.language}`)}`;
    const path = `${TEMPLATES_PATH}/${tv.actionKind}/${tv.language}`;
    return renderPage(c, {
      title,
      status: extra.status ?? 200,
      body: (
        <>
          <p>
            <a href={TEMPLATES_PATH}>{t(c, 'notify.templates.title')}</a>
          </p>
          <h1>{title}</h1>
          <Notice text={extra.notice} />
          <Errors errors={extra.errors} />
          <p class="muted">
            {t(c, tv.overridden ? 'notify.templates.overridden' : 'notify.templates.default')} ·{' '}
            {t(c, 'notify.templates.fields')}:{' '}
            <span class="mono">{TEMPLATE_FIELDS.map((f) => `{{${f}}}`).join(' ')}</span>
          </p>
          <form method="post" action={path} class="grid">
            {csrfField(c)}
            <label style="grid-column:1/-1">
              {t(c, 'notify.compose.subject')}
              <input
                name="subject"
                value={extra.subject ?? tv.subject}
                required
                maxlength={998}
                disabled={!editor}
              />
            </label>
            <label style="grid-column:1/-1">
              {t(c, 'notify.compose.body')}
              <textarea name="body" rows={24} required class="mono" maxlength={100000} disabled={!editor}>
                {extra.body ?? tv.body}
              </textarea>
            </label>
            {editor ? (
              <div>
                <button type="submit">{t(c, 'notify.settings.save')}</button>
              </div>
            ) : null}
          </form>
          {editor && tv.overridden ? (
            <form method="post" action={`${path}/reset`} class="inline">
              {csrfField(c)}
              <button type="submit" class="secondary">
                {t(c, 'notify.templates.reset')}
              </button>
            </form>
          ) : null}
        </>
      ),
    });
  };

  app.get(TEMPLATES_PATH, async (c) => {
    const actor = requireIncidentReader(c);
    const list = await svc().listTemplates(actor);
    return renderPage(c, {
      title: t(c, 'notify.templates.title'),
      body: (
        <>
          <h1>{t(c, 'notify.templates.title')}</h1>
          <table>
            <tbody>
              {list.map((tv) => (
                <tr data-template={`${tv.actionKind}/${tv.language}`}>
                  <td>
                    <a href={`${TEMPLATES_PATH}/${tv.actionKind}/${tv.language}`}>
                      {labelActionKind(c, tv.actionKind)}
                    </a>
                  </td>
                  <td>{t(c, `notify.lang.${tv.language}`)}</td>
                  <td>{tv.subject}</td>
                  <td>{t(c, tv.overridden ? 'notify.templates.overridden' : 'notify.templates.default')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ),
    });
  });

  const TEMPLATE_ROUTE = `${TEMPLATES_PATH}/:kind{[a-z_]+}/:lang{zh-CN|en}`;

  app.get(TEMPLATE_ROUTE, async (c) => {
    const actor = requireIncidentReader(c);
    const notice = c.req.query('saved') === '1' ? t(c, 'notify.settings.saved') : undefined;
    return renderTemplate(c, actor, c.req.param('kind'), c.req.param('lang'), { notice });
  });

  app.post(TEMPLATE_ROUTE, async (c) => {
    const actor = requireIncidentReader(c);
    const kind = c.req.param('kind');
    const lang = c.req.param('lang');
    const form = await readForm(c);
    try {
      await svc().saveTemplate(actor, kind, lang, { subject: form.subject ?? '', body: form.body ?? '' });
      return c.redirect(`${TEMPLATES_PATH}/${kind}/${lang}?saved=1`, 303);
    } catch (e) {
      if (!isFormError(e)) throw e;
      return renderTemplate(c, actor, kind, lang, {
        errors: errorsOf(c, e),
        status: formStatus(e),
        subject: form.subject ?? '',
        body: form.body ?? '',
      });
    }
  });

  app.post(`${TEMPLATE_ROUTE}/reset`, async (c) => {
    const actor = requireIncidentReader(c);
    const kind = c.req.param('kind');
    const lang = c.req.param('lang');
    await svc().resetTemplate(actor, kind, lang);
    return c.redirect(`${TEMPLATES_PATH}/${kind}/${lang}?saved=1`, 303);
  });

  const renderSettings = async (
    c: Ctx,
    actor: Actor,
    orgId: number,
    extra: { notice?: string; errors?: string[]; status?: ContentfulStatusCode } = {},
  ) => {
    const org = await deps.services.directory.getOrganisation(actor, orgId);
    const s = await deps.services.notifications.getSettings(actor, orgId);
    const writer = actor.kind === 'system' || can(actor.role, 'directory.write');
    const name = displayNameOf(org, c.get('lang'));
    return renderPage(c, {
      title: t(c, 'notify.settings.title', { name }),
      status: extra.status ?? 200,
      body: (
        <>
          <p>
            <a href={`/console/directory/organisations/${orgId}`}>{t(c, 'notify.settings.back')}</a>
          </p>
          <h1>{t(c, 'notify.settings.title', { name })}</h1>
          <Notice text={extra.notice} />
          <Errors errors={extra.errors} />
          <p class="muted">{t(c, 'notify.settings.help')}</p>
          <form method="post" action={settingsPath(orgId)} class="grid">
            {csrfField(c)}
            <label>
              {t(c, 'notify.settings.interval')}
              <select name="interval" disabled={!writer}>
                {BULK_INTERVALS.map((i) => (
                  <option value={i} selected={s.interval === i}>
                    {t(c, `notify.interval.${i}`)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t(c, 'notify.settings.language')}
              <select name="language" disabled={!writer}>
                {MAIL_LANGUAGES.map((l) => (
                  <option value={l} selected={s.language === l}>
                    {t(c, `notify.lang.${l}`)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              <input type="checkbox" name="suppress" value="1" checked={s.suppress} disabled={!writer} />{' '}
              {t(c, 'notify.settings.suppress')}
            </label>
            {writer ? (
              <div>
                <button type="submit">{t(c, 'notify.settings.save')}</button>
              </div>
            ) : null}
          </form>
        </>
      ),
    });
  };

  app.get('/console/directory/organisations/:id{[0-9]+}/notify', async (c) => {
    const actor = requireDirectoryReader(c);
    const id = parsePathId(c.req.param('id'), 'organisation');
    const notice = c.req.query('saved') === '1' ? t(c, 'notify.settings.saved') : undefined;
    return renderSettings(c, actor, id, { notice });
  });

  app.post('/console/directory/organisations/:id{[0-9]+}/notify', async (c) => {
    const actor = requireDirectoryReader(c);
    const id = parsePathId(c.req.param('id'), 'organisation');
    const form = await readForm(c);
    try {
      await deps.services.notifications.updateSettings(actor, id, {
        interval: form.interval ?? '',
        language: form.language ?? '',
        suppress: form.suppress === '1',
      });
      return c.redirect(`${settingsPath(id)}?saved=1`, 303);
    } catch (e) {
      if (!isFormError(e)) throw e;
      return renderSettings(c, actor, id, { errors: errorsOf(c, e), status: formStatus(e) });
    }
  });
}
