import type { OpenAPIHono } from '@hono/zod-openapi';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Actor } from '../../../core/auth/actor.ts';
import { can } from '../../../core/auth/roles.ts';
import type { Category } from '../../../core/incidents/categories.ts';
import {
  DEFAULT_BRANCH_CODE,
  REPORTER_TYPES,
  type CreateReportInput,
  type ReportChannel,
  type ReporterType,
} from '../../../core/incidents/incident.ts';
import type { Severity, Tlp } from '../../../core/incidents/severity.ts';
import { DomainError, invalidInput, type FieldIssue } from '../../../core/shared/errors.ts';
import { parseTimestamp } from '../../../core/shared/time.ts';
import type { AppDeps } from '../../context.ts';
import type { AppEnv } from '../../context.ts';
import { csrfField, renderPage, t } from '../layout.tsx';
import { QUEUE_PATH, choosesBranch, requireIncidentReader } from './queue.pages.tsx';
import {
  Errors,
  branchName,
  errorsOf,
  formStatus,
  isFormError,
  labelChannel,
  labelReporterType,
  tt,
  type Ctx,
  ClassificationFields,
} from './view-helpers.tsx';

/*
 * /console/incidents/new: staff enter a report that came by phone, fax, e-mail, a partner or the
 * web, with an optional attachment; the service records the report, opens an incident for it and
 * the browser goes to the incident's page.
 */

const NEW_PATH = `${QUEUE_PATH}/new`;

/** Channels staff enter by hand (the API and feeds arrive by themselves). */
export const STAFF_CHANNELS = [
  'phone',
  'fax',
  'email',
  'partner',
  'web',
] as const satisfies readonly ReportChannel[];

interface FormValues {
  [key: string]: string;
}

function requireReportWriter(c: Ctx): Actor {
  const actor = requireIncidentReader(c);
  if (actor.kind !== 'system' && !can(actor.role, 'report.create')) {
    throw new DomainError('forbidden', `role ${actor.role} may not record reports`);
  }
  return actor;
}

function pick<T extends string>(value: string | undefined, allowed: readonly T[]): T | undefined {
  return value !== undefined && (allowed as readonly string[]).includes(value) ? (value as T) : undefined;
}

/** The service's input from the submitted form; problems the form itself can see are field errors. */
export function buildReportInput(
  form: FormValues,
  file: File | null,
  content: Uint8Array<ArrayBuffer> | null,
  ctx: { timeZone: string; lang: 'zh-CN' | 'en'; branchFixed: boolean },
): CreateReportInput {
  const issues: FieldIssue[] = [];
  const channel = pick(form.channel, STAFF_CHANNELS);
  if (!channel) issues.push({ field: 'channel', message: 'choose how the report came in' });
  let receivedAt: string | undefined;
  const rawTime = (form.receivedAt ?? '').trim();
  if (rawTime !== '') {
    const d = parseTimestamp(rawTime, ctx.timeZone);
    if (!d) issues.push({ field: 'receivedAt', message: 'expected a date and time' });
    else receivedAt = d.toISOString();
  }
  if (issues.length) throw invalidInput(issues.map((i) => `${i.field}: ${i.message}`).join('; '), issues);
  return {
    channel: channel!,
    reporter: {
      // An unknown type goes to the service as typed, which names the field.
      ...(form.reporterType ? { type: form.reporterType as ReporterType } : {}),
      name: form.reporterName ?? '',
      email: (form.reporterEmail ?? '').trim(),
      phone: form.reporterPhone ?? '',
    },
    ...(receivedAt ? { receivedAt } : {}),
    subject: form.subject ?? '',
    description: form.description ?? '',
    ...(form.category ? { category: form.category as Category } : {}),
    ...(form.severity ? { severity: form.severity as Severity } : {}),
    ...(form.tlp ? { tlp: form.tlp as Tlp } : {}),
    ...(!ctx.branchFixed && form.branchCode ? { branchCode: form.branchCode } : {}),
    language: ctx.lang,
    meta: { enteredBy: 'console' },
    attachments:
      file && content && file.name
        ? [{ filename: file.name, contentType: file.type || 'application/octet-stream', content }]
        : [],
    openIncident: true,
  };
}

async function renderNew(
  c: Ctx,
  deps: AppDeps,
  actor: Actor,
  state: { values?: FormValues; errors?: string[]; status?: ContentfulStatusCode } = {},
) {
  const national = choosesBranch(actor);
  const branches = can(actor.role, 'directory.read') ? await deps.services.directory.listBranches(actor) : [];
  const v: FormValues = state.values ?? {};
  const val = (k: string, d = '') => v[k] ?? d;
  return renderPage(c, {
    title: tt(c, 'new.title'),
    status: state.status ?? 200,
    body: (
      <>
        <p>
          <a href={QUEUE_PATH}>{tt(c, 'detail.back')}</a>
        </p>
        <h1>{tt(c, 'new.title')}</h1>
        <p class="muted">{tt(c, 'new.intro')}</p>
        <Errors errors={state.errors} />
        <section class="panel">
          <form method="post" action={NEW_PATH} enctype="multipart/form-data" class="grid">
            {csrfField(c)}
            <label>
              {tt(c, 'field.channel')}
              <select name="channel" required>
                {STAFF_CHANNELS.map((ch) => (
                  <option value={ch} selected={val('channel', 'phone') === ch}>
                    {labelChannel(c, ch)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {tt(c, 'field.receivedAt')}
              <input type="datetime-local" name="receivedAt" value={val('receivedAt')} />
            </label>
            <label>
              {tt(c, 'field.reporterType')}
              <select name="reporterType">
                {REPORTER_TYPES.map((r) => (
                  <option value={r} selected={val('reporterType', 'individual') === r}>
                    {labelReporterType(c, r)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {tt(c, 'field.reporterName')}
              <input name="reporterName" value={val('reporterName')} maxlength={200} />
            </label>
            <label>
              {tt(c, 'field.reporterPhone')}
              <input name="reporterPhone" type="tel" value={val('reporterPhone')} maxlength={50} />
            </label>
            <label>
              {tt(c, 'field.reporterEmail')}
              <input name="reporterEmail" type="email" value={val('reporterEmail')} maxlength={320} />
            </label>
            <ClassificationFields
              c={c}
              category={val('category', 'other')}
              severity={val('severity', 'medium')}
              tlp={val('tlp', 'amber')}
            />
            <label>
              {tt(c, 'field.branchCode')}
              {national ? (
                <select name="branchCode">
                  {branches.map((b) => (
                    <option value={b.code} selected={val('branchCode', DEFAULT_BRANCH_CODE) === b.code}>
                      {`${branchName(c, branches, b.code)} (${b.code})`}
                    </option>
                  ))}
                </select>
              ) : (
                <input value={branchName(c, branches, actor.branchCode ?? '')} disabled />
              )}
            </label>
            <label style="grid-column:1/-1">
              {tt(c, 'field.subject')}
              <input name="subject" value={val('subject')} maxlength={500} />
            </label>
            <label style="grid-column:1/-1">
              {tt(c, 'field.description')}
              <textarea name="description" rows={8}>
                {val('description')}
              </textarea>
            </label>
            <label>
              {tt(c, 'field.attachment')}
              <input type="file" name="attachment" />
            </label>
            <div>
              <button type="submit">{tt(c, 'new.submit')}</button>
            </div>
          </form>
        </section>
      </>
    ),
  });
}

export function registerNewIncidentPages(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  app.get(NEW_PATH, (c) => renderNew(c, deps, requireReportWriter(c)));

  app.post(NEW_PATH, async (c) => {
    const actor = requireReportWriter(c);
    const body = await c.req.parseBody();
    const values: FormValues = {};
    for (const [k, v] of Object.entries(body)) if (typeof v === 'string' && k !== '_csrf') values[k] = v;
    const upload = body.attachment;
    const file = upload instanceof File && upload.size > 0 ? upload : null;
    try {
      const input = buildReportInput(values, file, file ? new Uint8Array(await file.arrayBuffer()) : null, {
        timeZone: deps.config.timeZone,
        lang: c.get('lang'),
        branchFixed: !choosesBranch(actor),
      });
      const created = await deps.services.incidents.createReport(actor, input);
      if (!created.incident) throw new Error('a staff report always opens an incident');
      // The reporter on the phone gets the tracking number and the status link now: the key is
      // stored only as a hash and cannot be shown again.
      const statusUrl = new URL(
        `/status/${encodeURIComponent(created.trackingNumber)}?s=${encodeURIComponent(created.statusSecret)}`,
        deps.config.http.publicBaseUrl,
      ).toString();
      const incidentHref = `${QUEUE_PATH}/${created.incident.id}?done=created&tracking=${encodeURIComponent(created.trackingNumber)}`;
      const tr = (key: string) => t(c, `console-incidents.recorded.${key}`);
      return renderPage(c, {
        title: tr('title'),
        status: 201,
        body: (
          <section class="recorded">
            <h1>{tr('title')}</h1>
            <p>{tr('intro')}</p>
            <dl>
              <dt>{tr('tracking')}</dt>
              <dd>
                <strong data-tracking-number>{created.trackingNumber}</strong>
              </dd>
              <dt>{tr('status_link')}</dt>
              <dd>
                <code data-status-link>{statusUrl}</code>
              </dd>
            </dl>
            <p class="warning">{tr('once')}</p>
            <p>
              <a href={incidentHref} data-incident-link>
                {tr('open_incident')} #{created.incident.id}
              </a>
            </p>
          </section>
        ),
      });
    } catch (e) {
      if (!isFormError(e)) throw e;
      return renderNew(c, deps, actor, { values, errors: errorsOf(c, e), status: formStatus(e) });
    }
  });
}
