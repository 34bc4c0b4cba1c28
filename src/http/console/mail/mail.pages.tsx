import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Actor } from '../../../core/auth/actor.ts';
import { can } from '../../../core/auth/roles.ts';
import { notFound } from '../../../core/shared/errors.ts';
import { MAIL_STATES, type MailState } from '../../../services/ports/mail-intake.port.ts';
import { requireActor } from '../../auth/auth.middleware.ts';
import type { AppDeps, AppEnv } from '../../context.ts';
import { csrfField, renderPage, t } from '../layout.tsx';
import type { Ctx } from '../incidents/view-helpers.tsx';

/*
 * /console/mail: received e-mail, newest first, with state, outcome, error and the incident it
 * went to; failed messages can be processed again (docs/mail.md).
 */

export const MAIL_PATH = '/console/mail';
const PAGE_SIZE = 50;

function requireMailReader(c: Ctx): Actor {
  const actor = requireActor(c);
  if (actor.kind !== 'system' && !can(actor.role, 'incident.read')) throw notFound('page');
  return actor;
}

function parseId(raw: string | undefined): number {
  if (!raw || !/^[1-9]\d{0,14}$/.test(raw)) throw notFound('mail message');
  return Number(raw);
}

function kib(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(bytes < 10_240 ? 1 : 0)} KiB`;
}

export function registerMailPages(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const svc = () => deps.services.mailIntake;

  app.get(MAIL_PATH, async (c) => {
    const actor = requireMailReader(c);
    const stateParam = c.req.query('state') ?? '';
    const state = (MAIL_STATES as readonly string[]).includes(stateParam)
      ? (stateParam as MailState)
      : undefined;
    const beforeRaw = c.req.query('before');
    const beforeId = beforeRaw && /^[1-9]\d{0,14}$/.test(beforeRaw) ? Number(beforeRaw) : undefined;
    const [rows, counts] = await Promise.all([
      svc().list(actor, { limit: PAGE_SIZE, ...(state ? { state } : {}), ...(beforeId ? { beforeId } : {}) }),
      svc().countByState(actor),
    ]);
    const retried = c.req.query('retried');
    const mayRetry = actor.kind === 'system' || can(actor.role, 'incident.write');
    const last = rows.at(-1);
    return renderPage(c, {
      title: t(c, 'mail.title'),
      body: (
        <>
          <h1>{t(c, 'mail.title')}</h1>
          <p>
            <a href="/console/mail/outbox">{t(c, 'mail.link.outbox')}</a>
          </p>
          {retried && /^\d+$/.test(retried) ? (
            <p class="notice" role="status">
              {t(c, 'mail.retried', { id: retried })}
            </p>
          ) : null}
          <nav class="filters" aria-label={t(c, 'mail.col.state')}>
            <a href={MAIL_PATH} class={state ? undefined : 'active'}>
              {t(c, 'mail.filter.all')}
            </a>
            {MAIL_STATES.map((s) => (
              <>
                {' · '}
                <a href={`${MAIL_PATH}?state=${s}`} class={state === s ? 'active' : undefined} data-state={s}>
                  {t(c, `mail.state.${s}`)} ({counts[s]})
                </a>
              </>
            ))}
          </nav>
          {rows.length === 0 ? (
            <p class="muted">{t(c, 'mail.empty')}</p>
          ) : (
            <table class="list" id="mail-list">
              <thead>
                <tr>
                  <th>{t(c, 'mail.col.id')}</th>
                  <th>{t(c, 'mail.col.received')}</th>
                  <th>{t(c, 'mail.col.from')}</th>
                  <th>{t(c, 'mail.col.subject')}</th>
                  <th>{t(c, 'mail.col.branch')}</th>
                  <th>{t(c, 'mail.col.size')}</th>
                  <th>{t(c, 'mail.col.state')}</th>
                  <th>{t(c, 'mail.col.outcome')}</th>
                  <th>{t(c, 'mail.col.incident')}</th>
                  <th>{t(c, 'mail.col.ack')}</th>
                  <th>{t(c, 'mail.col.error')}</th>
                  <th></th>
                </tr>
              </thead>
              <tbody>
                {rows.map((m) => (
                  <tr data-mail-id={String(m.id)} data-state={m.state}>
                    <td>{m.id}</td>
                    <td>
                      <time datetime={m.receivedAt}>{m.receivedAt.replace('T', ' ').slice(0, 19)}</time>
                    </td>
                    <td>{m.fromAddress || m.mailFrom || '<>'}</td>
                    <td>{m.subject}</td>
                    <td>{m.branchCode}</td>
                    <td>{kib(m.size)}</td>
                    <td>{t(c, `mail.state.${m.state}`)}</td>
                    <td>{m.outcome ? t(c, `mail.outcome.${m.outcome}`) : ''}</td>
                    <td>
                      {m.incidentId !== null ? (
                        <a href={`/console/incidents/${m.incidentId}`}>#{m.incidentId}</a>
                      ) : (
                        ''
                      )}
                    </td>
                    <td title={m.ackNote}>{m.ackState}</td>
                    <td class="error">{m.error}</td>
                    <td>
                      {mayRetry && (m.state === 'failed' || m.state === 'failed_format') ? (
                        <form method="post" action={`${MAIL_PATH}/${m.id}/retry`} class="inline">
                          {csrfField(c)}
                          <button type="submit">{t(c, 'mail.retry')}</button>
                        </form>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {rows.length === PAGE_SIZE && last ? (
            <p>
              <a
                href={`${MAIL_PATH}?${new URLSearchParams({ ...(state ? { state } : {}), before: String(last.id) })}`}
              >
                {t(c, 'mail.older')}
              </a>
            </p>
          ) : null}
        </>
      ),
    });
  });

  app.post(`${MAIL_PATH}/:id/retry`, async (c) => {
    const actor = requireMailReader(c);
    const id = parseId(c.req.param('id'));
    await svc().retry(actor, id);
    return c.redirect(`${MAIL_PATH}?retried=${id}`, 303);
  });
}
