import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Config } from '../../config/config.ts';
import type { RateLimiter } from '../../core/auth/rate-limiter.ts';
import { CATEGORIES, type Category } from '../../core/incidents/categories.ts';
import { MAX_TEXT } from '../../core/incidents/incident.ts';
import { DomainError, type FieldIssue } from '../../core/shared/errors.ts';
import type { AppServices } from '../../services/index.ts';
import { clientIp } from '../auth/auth.middleware.ts';
import type { AppEnv } from '../context.ts';
import { renderPublicRateLimited, renderPublicTooLarge } from './error-pages.tsx';
import type { FormTokens } from './form-token.ts';
import { formatBytes, renderPublicPage, t } from './layout.tsx';

/** The form's name in its signed token. */
export const REPORT_FORM = 'report';
/** The hidden token field and the honeypot field of the report form. */
export const TOKEN_FIELD = '_form';
export const HONEYPOT_FIELD = 'website';

/** What the person typed, kept across a failed submission. */
export interface ReportFormValues {
  category: string;
  description: string;
  urls: string;
  name: string;
  email: string;
  phone: string;
}

export type ReportFormField = keyof ReportFormValues | 'file';

/** Field → messages already in the request's language. */
export type ReportFormErrors = Partial<Record<ReportFormField, string[]>>;

const EMPTY: ReportFormValues = {
  category: 'phishing',
  description: '',
  urls: '',
  name: '',
  email: '',
  phone: '',
};

const LIMITS = { description: 100_000, urls: 20_000, name: 200, email: 320, phone: 50 } as const;

const emailSchema = z.email();

/** Validates what was typed; messages are catalogue keys with their parameters. */
export function validateReportForm(
  v: ReportFormValues,
): { field: ReportFormField; key: string; params?: Record<string, number> }[] {
  const issues: { field: ReportFormField; key: string; params?: Record<string, number> }[] = [];
  if (!(CATEGORIES as readonly string[]).includes(v.category))
    issues.push({ field: 'category', key: 'public.report.error.category' });
  if (v.description.trim() === '')
    issues.push({ field: 'description', key: 'public.report.error.description_required' });
  for (const f of ['description', 'urls', 'name', 'email', 'phone'] as const) {
    if (v[f].length > LIMITS[f])
      issues.push({ field: f, key: 'public.report.error.too_long', params: { max: LIMITS[f] } });
  }
  if (v.email !== '' && v.email.length <= LIMITS.email && !emailSchema.safeParse(v.email).success)
    issues.push({ field: 'email', key: 'public.report.error.email' });
  return issues;
}

/** The description stored with the report: what was written, then the URLs/IPs under a heading. */
export function composeDescription(description: string, urls: string[], urlsHeading: string): string {
  const text = description.trim();
  return urls.length === 0 ? text : `${text}\n\n${urlsHeading}:\n${urls.join('\n')}`;
}

/** One URL or address a line, blank lines dropped. */
export function splitUrls(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/** A service field path → the form field that shows it. */
function formFieldOf(path: string): ReportFormField {
  if (path.startsWith('reporter.email')) return 'email';
  if (path.startsWith('reporter.name')) return 'name';
  if (path.startsWith('reporter.phone')) return 'phone';
  if (path.startsWith('attachments')) return 'file';
  if (path.startsWith('category')) return 'category';
  return 'description';
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

interface FieldProps {
  id: ReportFormField;
  label: string;
  tag?: string;
  hint?: string;
  errors: ReportFormErrors;
  children: unknown;
}

function Field(props: FieldProps) {
  const errs = props.errors[props.id] ?? [];
  return (
    <div class={errs.length ? 'field invalid' : 'field'}>
      <label for={`f-${props.id}`}>
        {props.label}
        {props.tag ? <span class="tag">({props.tag})</span> : null}
      </label>
      {props.hint ? (
        <span class="hint" id={`f-${props.id}-hint`}>
          {props.hint}
        </span>
      ) : null}
      {props.children}
      {errs.map((e) => (
        <p class="error" id={`f-${props.id}-error`}>
          {e}
        </p>
      ))}
    </div>
  );
}

/** aria attributes of an input: its hint and, when invalid, its error. */
function describedBy(id: ReportFormField, errors: ReportFormErrors, hint: boolean) {
  const ids = [hint ? `f-${id}-hint` : '', errors[id]?.length ? `f-${id}-error` : '']
    .filter(Boolean)
    .join(' ');
  return {
    'aria-describedby': ids || undefined,
    'aria-invalid': errors[id]?.length ? 'true' : undefined,
  };
}

export interface ReportPagesDeps {
  config: Config;
  services: AppServices;
  logger: Logger;
  tokens: FormTokens;
  limiter: RateLimiter;
}

/** `/report`: the public report form, its validation, the acknowledgement page. */
export function registerReportPages(app: OpenAPIHono<AppEnv>, deps: ReportPagesDeps): void {
  const { config, services, logger, tokens, limiter } = deps;
  const { site } = config;
  const uploadLimit = config.http.uploadLimit;

  function renderForm(
    c: Context<AppEnv>,
    opts: {
      values?: ReportFormValues;
      errors?: ReportFormErrors;
      notice?: string;
      hadFile?: boolean;
      status?: ContentfulStatusCode;
    } = {},
  ) {
    const v = opts.values ?? EMPTY;
    const errors = opts.errors ?? {};
    const messages = Object.values(errors).flat();
    const notices = [...(opts.notice ? [opts.notice] : []), ...messages];
    const req = t(c, 'public.report.required');
    const opt = t(c, 'public.report.optional');
    return renderPublicPage(c, site, {
      title: t(c, 'public.report.title'),
      status: opts.status ?? 200,
      noStore: true,
      body: (
        <section class="panel">
          <h1>{t(c, 'public.report.title')}</h1>
          <p class="muted">{t(c, 'public.report.intro')}</p>
          {notices.length ? (
            <div class="notice error" role="alert" id="form-errors">
              <strong>{t(c, 'public.report.errors_title')}</strong>
              <ul>
                {notices.map((m) => (
                  <li>{m}</li>
                ))}
                {opts.hadFile ? <li>{t(c, 'public.report.file_again')}</li> : null}
              </ul>
            </div>
          ) : null}
          <form method="post" action="/report" enctype="multipart/form-data" class="stack">
            <input type="hidden" name={TOKEN_FIELD} value={tokens.issue(REPORT_FORM)} />
            <Field id="category" label={t(c, 'public.report.field.category')} tag={req} errors={errors}>
              <select id="f-category" name="category" required {...describedBy('category', errors, false)}>
                {CATEGORIES.map((cat) => (
                  <option value={cat} selected={v.category === cat}>
                    {t(c, `category.${cat}`)}
                  </option>
                ))}
              </select>
            </Field>
            <Field
              id="description"
              label={t(c, 'public.report.field.description')}
              tag={req}
              hint={t(c, 'public.report.field.description_hint')}
              errors={errors}
            >
              <textarea
                id="f-description"
                name="description"
                required
                maxlength={LIMITS.description}
                {...describedBy('description', errors, true)}
              >
                {v.description}
              </textarea>
            </Field>
            <Field
              id="urls"
              label={t(c, 'public.report.field.urls')}
              tag={opt}
              hint={t(c, 'public.report.field.urls_hint')}
              errors={errors}
            >
              <textarea
                id="f-urls"
                name="urls"
                class="short"
                maxlength={LIMITS.urls}
                spellcheck={false}
                {...describedBy('urls', errors, true)}
              >
                {v.urls}
              </textarea>
            </Field>
            <fieldset>
              <legend>{t(c, 'public.report.contact_legend')}</legend>
              <Field id="name" label={t(c, 'public.report.field.name')} tag={opt} errors={errors}>
                <input
                  id="f-name"
                  type="text"
                  name="name"
                  value={v.name}
                  maxlength={LIMITS.name}
                  autocomplete="name"
                  {...describedBy('name', errors, false)}
                />
              </Field>
              <Field id="email" label={t(c, 'public.report.field.email')} tag={opt} errors={errors}>
                <input
                  id="f-email"
                  type="email"
                  name="email"
                  value={v.email}
                  maxlength={LIMITS.email}
                  autocomplete="email"
                  {...describedBy('email', errors, false)}
                />
              </Field>
              <Field id="phone" label={t(c, 'public.report.field.phone')} tag={opt} errors={errors}>
                <input
                  id="f-phone"
                  type="tel"
                  name="phone"
                  value={v.phone}
                  maxlength={LIMITS.phone}
                  autocomplete="tel"
                  {...describedBy('phone', errors, false)}
                />
              </Field>
            </fieldset>
            <Field
              id="file"
              label={t(c, 'public.report.field.file')}
              tag={opt}
              hint={t(c, 'public.report.field.file_hint', { size: formatBytes(uploadLimit) })}
              errors={errors}
            >
              <input id="f-file" type="file" name="file" {...describedBy('file', errors, true)} />
            </Field>
            <div class="hp" aria-hidden="true">
              <label for="f-website">{t(c, 'public.report.honeypot')}</label>
              <input
                id="f-website"
                type="text"
                name={HONEYPOT_FIELD}
                value=""
                tabindex={-1}
                autocomplete="off"
              />
            </div>
            <button type="submit">{t(c, 'public.report.submit')}</button>
          </form>
        </section>
      ),
    });
  }

  /** A quiet "thank you" for submissions that filled the honeypot: nothing stored, nothing revealed. */
  function renderQuietThanks(c: Context<AppEnv>) {
    return renderPublicPage(c, site, {
      title: t(c, 'public.ack.title'),
      noStore: true,
      body: (
        <section class="panel">
          <h1>{t(c, 'public.ack.title')}</h1>
          <p>{t(c, 'public.ack.quiet')}</p>
        </section>
      ),
    });
  }

  /**
   * Posted from another site? Browsers say so in Sec-Fetch-Site and Origin. Origin is `null` on
   * our own pages too (Referrer-Policy: no-referrer), so only a foreign origin counts; the signed
   * token is what a blind cross-site post cannot have.
   */
  function isCrossSite(c: Context<AppEnv>): boolean {
    if (c.req.header('sec-fetch-site') === 'cross-site') return true;
    const origin = c.req.header('origin');
    if (!origin || origin === 'null') return false;
    const allowed = new Set([new URL(c.req.url).origin, new URL(config.http.publicBaseUrl).origin]);
    return !allowed.has(origin);
  }

  app.get('/report', (c) => renderForm(c));

  app.post('/report', async (c) => {
    const ip = clientIp(c);
    const decision = limiter.hit(`report:${ip || 'unknown'}`);
    if (!decision.allowed) {
      logger.info({ ip }, 'public report refused: rate limit');
      return renderPublicRateLimited(c, site, decision.retryAfterSeconds);
    }

    let body: Record<string, string | File | (string | File)[]>;
    try {
      body = await c.req.parseBody();
    } catch {
      return renderForm(c, { notice: t(c, 'public.report.error.form_expired'), status: 400 });
    }
    const first = (k: string) => {
      const v = body[k];
      return Array.isArray(v) ? v[0] : v;
    };
    const values: ReportFormValues = {
      category: str(first('category')).trim(),
      description: str(first('description')),
      urls: str(first('urls')),
      name: str(first('name')).trim(),
      email: str(first('email')).trim(),
      phone: str(first('phone')).trim(),
    };
    const upload = first('file');
    const file = upload instanceof File && (upload.size > 0 || upload.name !== '') ? upload : null;

    const tokenCheck = tokens.verify(REPORT_FORM, str(first(TOKEN_FIELD)));
    if (tokenCheck !== 'ok' || isCrossSite(c)) {
      logger.info({ ip, token: tokenCheck }, 'public report refused: missing, forged or expired form token');
      return renderForm(c, {
        values,
        notice: t(c, 'public.report.error.form_expired'),
        hadFile: file !== null,
        status: 403,
      });
    }
    if (str(first(HONEYPOT_FIELD)) !== '') {
      logger.info({ ip }, 'public report dropped: honeypot filled');
      return renderQuietThanks(c);
    }
    if (file && file.size > uploadLimit) return renderPublicTooLarge(c, site, uploadLimit);

    const issues = validateReportForm(values);
    if (issues.length) {
      const errors: ReportFormErrors = {};
      for (const i of issues) (errors[i.field] ??= []).push(t(c, i.key, i.params));
      return renderForm(c, { values, errors, hadFile: file !== null, status: 400 });
    }

    const lang = c.get('lang');
    const urls = splitUrls(values.urls);
    const description = composeDescription(values.description, urls, t(c, 'public.report.urls_heading'));
    if (description.length > MAX_TEXT) {
      return renderForm(c, {
        values,
        errors: { description: [t(c, 'public.report.error.too_long', { max: LIMITS.description })] },
        hadFile: file !== null,
        status: 400,
      });
    }
    let created;
    try {
      created = await services.incidents.createReport(
        null,
        {
          channel: 'web',
          reporter: { type: 'individual', name: values.name, email: values.email, phone: values.phone },
          description,
          category: values.category as Category,
          language: lang,
          attachments: file
            ? [
                {
                  filename: file.name.slice(0, 255) || 'attachment',
                  contentType: (file.type || 'application/octet-stream').slice(0, 255),
                  content: new Uint8Array(await file.arrayBuffer()),
                },
              ]
            : [],
          meta: { form: 'public', affected: urls },
        },
        { ip },
      );
    } catch (e) {
      if (e instanceof DomainError && e.id === 'invalid_input') {
        const errors: ReportFormErrors = {};
        const fields: FieldIssue[] = e.fields.length
          ? e.fields
          : [{ field: 'description', message: e.message }];
        for (const f of fields)
          (errors[formFieldOf(f.field)] ??= []).push(`${t(c, 'public.report.error.invalid')} (${f.message})`);
        return renderForm(c, { values, errors, hadFile: file !== null, status: 400 });
      }
      throw e;
    }

    const statusPath = `/status/${encodeURIComponent(created.trackingNumber)}?s=${encodeURIComponent(created.statusSecret)}`;
    const statusUrl = `${config.http.publicBaseUrl.replace(/\/+$/, '')}${statusPath}`;
    logger.info({ tracking: created.trackingNumber, reportId: created.report.id }, 'public report received');
    return renderPublicPage(c, site, {
      title: t(c, 'public.ack.title'),
      noStore: true,
      body: (
        <>
          <section class="panel">
            <h1>{t(c, 'public.ack.title')}</h1>
            <p class="notice ok">{t(c, 'public.ack.thanks')}</p>
            <p>
              {t(c, 'public.ack.tracking')}:{' '}
              <span class="tracking-number" id="tracking-number">
                {created.trackingNumber}
              </span>
            </p>
            <p>
              {t(c, 'public.ack.status_link')}:{' '}
              <a class="status-link" id="status-link" href={statusPath} rel="noreferrer">
                {statusUrl}
              </a>
            </p>
            <p class="notice keep" role="note">
              {t(c, 'public.ack.keep')}
            </p>
          </section>
          <section class="panel">
            <h2>{t(c, 'public.ack.summary')}</h2>
            <dl class="contacts">
              <dt>{t(c, 'public.report.field.category')}</dt>
              <dd>{t(c, `category.${values.category}`)}</dd>
            </dl>
            <h2>{t(c, 'public.report.field.description')}</h2>
            <pre class="submitted" id="submitted-description">
              {values.description.trim()}
            </pre>
            {urls.length ? (
              <>
                <h2>{t(c, 'public.report.field.urls')}</h2>
                <pre class="submitted">{urls.join('\n')}</pre>
              </>
            ) : null}
            {file ? (
              <p>
                {t(c, 'public.ack.attachment')}: {file.name} ({formatBytes(file.size)})
              </p>
            ) : null}
          </section>
        </>
      ),
    });
  });
}
