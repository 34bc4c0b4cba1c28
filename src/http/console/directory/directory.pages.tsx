import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Actor } from '../../../core/auth/actor.ts';
import { can } from '../../../core/auth/roles.ts';
import {
  CONTACT_ROLES,
  DIRECTORY_LANGUAGES,
  NOTIFY_INTERVALS,
  ORGANISATION_KINDS,
  SUPPORT_ROLES,
  displayNameOf,
  type Branch,
  type Organisation,
  type OrganisationDetails,
  type Responsible,
} from '../../../core/directory/directory.ts';
import { PAGE_SIZE_MAX } from '../../../core/directory/directory.schemas.ts';
import { cidrToRange, parseAsn } from '../../../core/directory/network-keys.ts';
import { DomainError, notFound, type FieldIssue } from '../../../core/shared/errors.ts';
import type { AppDeps } from '../../context.ts';
import { requireActor } from '../../auth/auth.middleware.ts';
import type { AppEnv } from '../../context.ts';
import { csrfField, renderPage, t } from '../layout.tsx';

/*
 * /console/directory: branches and organisations (search, kind and branch filters, paged), the
 * responsibility lookup, one organisation's page with its contacts, networks, ASNs and domains,
 * and — for users with directory.write — the forms that change them. Every form carries the
 * session's CSRF token; every text from the database is escaped by hono/jsx.
 */

type Ctx = Context<AppEnv>;

const PAGE_SIZE = 50;
const BASE = '/console/directory';

/** Directory pages exist only for roles that may read the directory. */
function requireReader(c: Ctx): Actor {
  const actor = requireActor(c);
  if (!can(actor.role, 'directory.read')) throw notFound('page');
  return actor;
}

function canWrite(actor: Actor): boolean {
  return actor.kind === 'system' || can(actor.role, 'directory.write');
}

function parseId(raw: string | undefined): number {
  if (!raw || !/^\d{1,15}$/.test(raw)) throw notFound('organisation');
  return Number(raw);
}

/** A one-button form that removes something (POST with the CSRF field). */
function RemoveButton(props: { c: Ctx; action: string }) {
  return (
    <form method="post" action={props.action} class="inline">
      {csrfField(props.c)}
      <button type="submit" class="danger">
        {t(props.c, 'directory.remove')}
      </button>
    </form>
  );
}

async function readForm(c: Ctx): Promise<Record<string, string>> {
  const body = await c.req.parseBody();
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === 'string' && k !== '_csrf') out[k] = v;
  return out;
}

/** A field problem in the request's language: `<label>: <message>`. */
function describeIssue(c: Ctx, f: FieldIssue): string {
  const key = `directory.field.${f.field.split('.')[0]}`;
  const label = t(c, key);
  return `${label === key ? f.field : label}: ${f.message}`;
}

function errorsOf(c: Ctx, e: DomainError): string[] {
  return e.fields.length > 0 ? e.fields.map((f) => describeIssue(c, f)) : [e.message];
}

function statusOf(e: DomainError): ContentfulStatusCode {
  return e.id === 'conflict' ? 409 : 400;
}

/** The form's organisation fields, as the service's input (checkbox → boolean, empty branch → null). */
function organisationFromForm(form: Record<string, string>): Record<string, unknown> {
  return {
    kind: form.kind ?? '',
    nameZh: form.nameZh ?? '',
    nameEn: form.nameEn ?? '',
    abbreviation: form.abbreviation ?? '',
    country: form.country || 'CN',
    branchCode: form.branchCode ? form.branchCode : null,
    website: form.website ?? '',
    registeredInCommunity: form.registeredInCommunity === '1',
    supportRole: form.supportRole ?? '',
    language: form.language ?? 'zh-CN',
    notifyInterval: form.notifyInterval ?? 'daily',
    notes: form.notes ?? '',
  };
}

/** One text box for a network, ASN or domain: `10.0.0.0/8` → cidr, `AS4134` → asn, else domain. */
function resourceFromText(value: string): Record<string, string> {
  const v = value.trim();
  if (cidrToRange(v)) return { cidr: v };
  if (/^as\s*\d+$/i.test(v) || (/^\d+$/.test(v) && parseAsn(v) !== null)) return { asn: v };
  if (/^[\d./:]+$/.test(v)) return { cidr: v };
  return { domain: v };
}

function branchLabel(c: Ctx, branches: Branch[], code: string | null): string {
  if (!code) return t(c, 'directory.none');
  const b = branches.find((x) => x.code === code);
  if (!b) return code;
  return c.get('lang') === 'en' ? b.nameEn : b.nameZh;
}

function Errors(props: { errors?: string[] }) {
  if (!props.errors?.length) return null;
  return (
    <div class="notice error" role="alert">
      {props.errors.map((e) => (
        <div>{e}</div>
      ))}
    </div>
  );
}

function OrganisationForm(props: {
  c: Ctx;
  action: string;
  values: Record<string, unknown>;
  branches: Branch[];
  submit: string;
}) {
  const { c, values: v } = props;
  const lang = c.get('lang');
  const str = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : '');
  return (
    <form method="post" action={props.action} class="grid">
      {csrfField(c)}
      <label>
        {t(c, 'directory.field.kind')}
        <select name="kind" required>
          {ORGANISATION_KINDS.map((k) => (
            <option value={k} selected={v.kind === k}>
              {t(c, `directory.kind.${k}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t(c, 'directory.field.nameZh')}
        <input name="nameZh" value={str('nameZh')} maxlength={200} />
      </label>
      <label>
        {t(c, 'directory.field.nameEn')}
        <input name="nameEn" value={str('nameEn')} maxlength={200} />
      </label>
      <label>
        {t(c, 'directory.field.abbreviation')}
        <input name="abbreviation" value={str('abbreviation')} maxlength={64} />
      </label>
      <label>
        {t(c, 'directory.field.country')}
        <input name="country" value={str('country') || 'CN'} maxlength={2} size={2} />
      </label>
      <label>
        {t(c, 'directory.field.branchCode')}
        <select name="branchCode">
          <option value="">{t(c, 'directory.none')}</option>
          {props.branches.map((b) => (
            <option value={b.code} selected={v.branchCode === b.code}>
              {`${lang === 'en' ? b.nameEn : b.nameZh} (${b.code})`}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t(c, 'directory.field.website')}
        <input name="website" type="url" value={str('website')} />
      </label>
      <label>
        {t(c, 'directory.field.supportRole')}
        <select name="supportRole">
          {SUPPORT_ROLES.map((r) => (
            <option value={r} selected={(v.supportRole ?? '') === r}>
              {t(c, r === '' ? 'directory.support.none' : `directory.support.${r}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t(c, 'directory.field.language')}
        <select name="language">
          {DIRECTORY_LANGUAGES.map((l) => (
            <option value={l} selected={(v.language ?? 'zh-CN') === l}>
              {l === 'en' ? 'English' : '中文'}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t(c, 'directory.field.notifyInterval')}
        <select name="notifyInterval">
          {NOTIFY_INTERVALS.map((n) => (
            <option value={n} selected={(v.notifyInterval ?? 'daily') === n}>
              {t(c, `directory.interval.${n}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span>
          <input
            type="checkbox"
            name="registeredInCommunity"
            value="1"
            checked={v.registeredInCommunity === true}
          />{' '}
          {t(c, 'directory.field.registeredInCommunity')}
        </span>
      </label>
      <label>
        {t(c, 'directory.field.notes')}
        <textarea name="notes" rows={2}>
          {str('notes')}
        </textarea>
      </label>
      <div>
        <button type="submit">{props.submit}</button>
      </div>
    </form>
  );
}

function LookupResult(props: { c: Ctx; query: string; result: Responsible | null }) {
  const { c, result } = props;
  if (!result) return <p class="muted">{t(c, 'directory.lookup.none', { query: props.query })}</p>;
  const m = result.match;
  const match = m.kind === 'network' ? m.cidr : m.kind === 'asn' ? `AS${m.asn}` : m.domain;
  return (
    <div class="notice ok" role="status">
      <p>
        {t(c, 'directory.lookup.found', { query: props.query, match })}{' '}
        <a href={`${BASE}/organisations/${result.organisation.id}`}>
          {displayNameOf(result.organisation, c.get('lang'))}
        </a>
      </p>
      <p>
        {t(c, 'directory.lookup.abuse')}:{' '}
        {result.abuseContacts.length === 0
          ? t(c, 'directory.none')
          : result.abuseContacts.map((x) => [x.email, x.phone].filter(Boolean).join(' ')).join('; ')}
      </p>
    </div>
  );
}

async function renderIndex(c: Ctx, deps: AppDeps, actor: Actor): Promise<Response> {
  const svc = deps.services.directory;
  const q = (c.req.query('q') ?? '').trim().slice(0, 200);
  const kindParam = c.req.query('kind') ?? '';
  const kind = (ORGANISATION_KINDS as readonly string[]).includes(kindParam) ? kindParam : '';
  const branchParam = c.req.query('branch') ?? '';
  const pageParam = Number(c.req.query('page') ?? '1');
  const page = Number.isInteger(pageParam) && pageParam >= 1 ? pageParam : 1;
  const lookupQuery = (c.req.query('lookup') ?? '').trim();

  const branches = await svc.listBranches(actor);
  const branch = branches.some((b) => b.code === branchParam) ? branchParam : '';
  const result = await svc.searchOrganisations(actor, {
    q: q || undefined,
    kind: (kind || undefined) as Organisation['kind'] | undefined,
    branch: branch || undefined,
    page,
    pageSize: Math.min(PAGE_SIZE, PAGE_SIZE_MAX),
  });
  let lookup: { result: Responsible | null } | null = null;
  let lookupErrors: string[] = [];
  if (lookupQuery) {
    const asQuery = cidrToRange(lookupQuery)
      ? { ip: lookupQuery }
      : /^(as\s*)?\d+$/i.test(lookupQuery)
        ? { asn: lookupQuery }
        : { domain: lookupQuery };
    try {
      lookup = { result: await svc.lookup(actor, asQuery) };
    } catch (e) {
      if (!(e instanceof DomainError) || e.id !== 'invalid_input') throw e;
      lookupErrors = errorsOf(c, e);
    }
  }
  const pages = Math.max(1, Math.ceil(result.total / result.pageSize));
  const pageHref = (p: number) => {
    const params = new URLSearchParams();
    if (q) params.set('q', q);
    if (kind) params.set('kind', kind);
    if (branch) params.set('branch', branch);
    params.set('page', String(p));
    return `${BASE}?${params.toString()}`;
  };
  const lang = c.get('lang');

  return renderPage(c, {
    title: t(c, 'directory.title'),
    body: (
      <>
        <h1>{t(c, 'directory.title')}</h1>

        <section class="panel">
          <h2>{t(c, 'directory.lookup')}</h2>
          <form method="get" action={BASE} class="grid">
            <label>
              {t(c, 'directory.lookup.hint')}
              <input name="lookup" value={lookupQuery} maxlength={255} />
            </label>
            <div>
              <button type="submit">{t(c, 'common.search')}</button>
            </div>
          </form>
          <Errors errors={lookupErrors} />
          {lookup ? <LookupResult c={c} query={lookupQuery} result={lookup.result} /> : null}
        </section>

        <section class="panel">
          <h2>
            {t(c, 'directory.organisations')}{' '}
            <span class="muted">{t(c, 'common.total', { count: result.total })}</span>
          </h2>
          {canWrite(actor) ? (
            <p>
              <a href={`${BASE}/organisations/new`}>{t(c, 'directory.organisations.new')}</a>
            </p>
          ) : null}
          <form method="get" action={BASE} class="grid">
            <label>
              {t(c, 'common.search')}
              <input name="q" value={q} placeholder={t(c, 'directory.search.placeholder')} maxlength={200} />
            </label>
            <label>
              {t(c, 'directory.field.kind')}
              <select name="kind">
                <option value="">{t(c, 'directory.search.all_kinds')}</option>
                {ORGANISATION_KINDS.map((k) => (
                  <option value={k} selected={kind === k}>
                    {t(c, `directory.kind.${k}`)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t(c, 'directory.field.branchCode')}
              <select name="branch">
                <option value="">{t(c, 'directory.search.all_branches')}</option>
                {branches.map((b) => (
                  <option value={b.code} selected={branch === b.code}>
                    {lang === 'en' ? b.nameEn : b.nameZh}
                  </option>
                ))}
              </select>
            </label>
            <div>
              <button type="submit">{t(c, 'common.search')}</button>
            </div>
          </form>
          {result.items.length === 0 ? (
            <p class="muted">{t(c, 'directory.organisations.none')}</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>{t(c, 'directory.field.nameZh')}</th>
                  <th>{t(c, 'directory.field.abbreviation')}</th>
                  <th>{t(c, 'directory.field.kind')}</th>
                  <th>{t(c, 'directory.field.branchCode')}</th>
                  <th>{t(c, 'directory.field.supportRole')}</th>
                </tr>
              </thead>
              <tbody>
                {result.items.map((o) => (
                  <tr>
                    <td>
                      <a href={`${BASE}/organisations/${o.id}`}>{displayNameOf(o, lang)}</a>
                    </td>
                    <td>{o.abbreviation || t(c, 'directory.none')}</td>
                    <td>{t(c, `directory.kind.${o.kind}`)}</td>
                    <td>{branchLabel(c, branches, o.branchCode)}</td>
                    <td>{o.supportRole ? t(c, `directory.support.${o.supportRole}`) : ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <p class="pager">
            {page > 1 ? <a href={pageHref(page - 1)}>{t(c, 'common.previous')}</a> : null}{' '}
            <span class="muted">{t(c, 'directory.page', { page, pages })}</span>{' '}
            {page < pages ? <a href={pageHref(page + 1)}>{t(c, 'common.next')}</a> : null}
          </p>
        </section>

        <section class="panel">
          <details>
            <summary>
              <h2 style="display:inline">{t(c, 'directory.branches')}</h2>{' '}
              <span class="muted">{t(c, 'directory.branches.count', { count: branches.length })}</span>
            </summary>
            <table>
              <thead>
                <tr>
                  <th>{t(c, 'directory.field.code')}</th>
                  <th>{t(c, 'directory.field.nameZh')}</th>
                  <th>{t(c, 'directory.field.nameEn')}</th>
                </tr>
              </thead>
              <tbody>
                {branches.map((b) => (
                  <tr>
                    <td class="mono">
                      <a href={`${BASE}?branch=${encodeURIComponent(b.code)}`}>{b.code}</a>
                    </td>
                    <td>{b.nameZh}</td>
                    <td>{b.nameEn}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        </section>
      </>
    ),
  });
}

interface DetailState {
  errors?: string[];
  notice?: string;
  status?: ContentfulStatusCode;
  /** Values of a rejected edit, shown again. */
  edit?: Record<string, unknown>;
  contact?: Record<string, string>;
  resource?: string;
}

async function renderDetails(c: Ctx, deps: AppDeps, actor: Actor, id: number, state: DetailState = {}) {
  const svc = deps.services.directory;
  const [org, branches]: [OrganisationDetails, Branch[]] = await Promise.all([
    svc.getOrganisation(actor, id),
    svc.listBranches(actor),
  ]);
  const lang = c.get('lang');
  const writer = canWrite(actor);
  const action = `${BASE}/organisations/${org.id}`;
  const contactForm = state.contact ?? {};
  const resources: { kind: 'networks' | 'asns' | 'domains'; id: number; text: string }[] = [
    ...org.networks.map((n) => ({ kind: 'networks' as const, id: n.id, text: n.cidr })),
    ...org.asns.map((a) => ({ kind: 'asns' as const, id: a.id, text: `AS${a.asn}` })),
    ...org.domains.map((d) => ({ kind: 'domains' as const, id: d.id, text: d.domain })),
  ];
  const title = displayNameOf(org, lang);
  return renderPage(c, {
    title,
    status: state.status ?? 200,
    body: (
      <>
        <p>
          <a href={BASE}>{t(c, 'directory.back')}</a>
        </p>
        <h1>
          {title} {org.abbreviation ? <span class="muted">({org.abbreviation})</span> : null}
        </h1>
        {state.notice ? (
          <div class="notice ok" role="status">
            {state.notice}
          </div>
        ) : null}
        <Errors errors={state.errors} />

        <section class="panel">
          <table>
            <tbody>
              <tr>
                <th>{t(c, 'directory.field.kind')}</th>
                <td>{t(c, `directory.kind.${org.kind}`)}</td>
              </tr>
              <tr>
                <th>{t(c, 'directory.field.nameZh')}</th>
                <td>{org.nameZh || t(c, 'directory.none')}</td>
              </tr>
              <tr>
                <th>{t(c, 'directory.field.nameEn')}</th>
                <td>{org.nameEn || t(c, 'directory.none')}</td>
              </tr>
              <tr>
                <th>{t(c, 'directory.field.branchCode')}</th>
                <td>{branchLabel(c, branches, org.branchCode)}</td>
              </tr>
              <tr>
                <th>{t(c, 'directory.field.country')}</th>
                <td>{org.country}</td>
              </tr>
              <tr>
                <th>{t(c, 'directory.field.website')}</th>
                <td>
                  {/^https?:\/\//i.test(org.website) ? (
                    <a href={org.website} rel="noopener noreferrer">
                      {org.website}
                    </a>
                  ) : (
                    t(c, 'directory.none')
                  )}
                </td>
              </tr>
              <tr>
                <th>{t(c, 'directory.field.registeredInCommunity')}</th>
                <td>{t(c, org.registeredInCommunity ? 'directory.yes' : 'directory.no')}</td>
              </tr>
              <tr>
                <th>{t(c, 'directory.field.supportRole')}</th>
                <td>
                  {t(c, org.supportRole ? `directory.support.${org.supportRole}` : 'directory.support.none')}
                </td>
              </tr>
              <tr>
                <th>{t(c, 'directory.field.language')}</th>
                <td>{org.language}</td>
              </tr>
              <tr>
                <th>{t(c, 'directory.field.notifyInterval')}</th>
                <td>{t(c, `directory.interval.${org.notifyInterval}`)}</td>
              </tr>
              <tr>
                <th>{t(c, 'directory.field.notes')}</th>
                <td style="white-space:pre-wrap">{org.notes || t(c, 'directory.none')}</td>
              </tr>
            </tbody>
          </table>
          <p>
            <a href={`${action}/notify`}>{t(c, 'notify.settings.link')}</a>
          </p>
        </section>

        <section class="panel">
          <h2>{t(c, 'directory.contacts')}</h2>
          {org.contacts.length === 0 ? (
            <p class="muted">{t(c, 'directory.contacts.none')}</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>{t(c, 'directory.field.role')}</th>
                  <th>{t(c, 'directory.field.name')}</th>
                  <th>{t(c, 'directory.field.email')}</th>
                  <th>{t(c, 'directory.field.phone')}</th>
                  <th>{t(c, 'directory.field.language')}</th>
                  {writer ? <th></th> : null}
                </tr>
              </thead>
              <tbody>
                {org.contacts.map((x) => (
                  <tr>
                    <td>{t(c, `directory.role.${x.role}`)}</td>
                    <td>{x.name}</td>
                    <td>{x.email}</td>
                    <td>{x.phone}</td>
                    <td>{x.language}</td>
                    {writer ? (
                      <td>
                        <RemoveButton c={c} action={`${action}/contacts/${x.id}/delete`} />
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {writer ? (
            <>
              <h3>{t(c, 'directory.contacts.add')}</h3>
              <form method="post" action={`${action}/contacts`} class="grid">
                {csrfField(c)}
                <label>
                  {t(c, 'directory.field.role')}
                  <select name="role">
                    {CONTACT_ROLES.map((r) => (
                      <option value={r} selected={(contactForm.role ?? 'abuse') === r}>
                        {t(c, `directory.role.${r}`)}
                      </option>
                    ))}
                  </select>
                </label>
                <label>
                  {t(c, 'directory.field.name')}
                  <input name="name" value={contactForm.name ?? ''} maxlength={200} />
                </label>
                <label>
                  {t(c, 'directory.field.email')}
                  <input name="email" type="email" value={contactForm.email ?? ''} maxlength={254} />
                </label>
                <label>
                  {t(c, 'directory.field.phone')}
                  <input name="phone" value={contactForm.phone ?? ''} maxlength={64} />
                </label>
                <label>
                  {t(c, 'directory.field.language')}
                  <select name="language">
                    <option value="zh-CN" selected={contactForm.language !== 'en'}>
                      中文
                    </option>
                    <option value="en" selected={contactForm.language === 'en'}>
                      English
                    </option>
                  </select>
                </label>
                <div>
                  <button type="submit">{t(c, 'directory.contacts.add')}</button>
                </div>
              </form>
            </>
          ) : null}
        </section>

        <section class="panel">
          <h2>{t(c, 'directory.networks')}</h2>
          {resources.length === 0 ? (
            <p class="muted">{t(c, 'directory.networks.none')}</p>
          ) : (
            <table>
              <tbody>
                {resources.map((r) => (
                  <tr>
                    <td class="mono">{r.text}</td>
                    {writer ? (
                      <td>
                        <RemoveButton c={c} action={`${action}/${r.kind}/${r.id}/delete`} />
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {writer ? (
            <form method="post" action={`${action}/networks`} class="grid">
              {csrfField(c)}
              <label>
                {t(c, 'directory.field.resource')}
                <input
                  name="value"
                  value={state.resource ?? ''}
                  placeholder={t(c, 'directory.networks.hint')}
                  required
                  maxlength={255}
                />
              </label>
              <div>
                <button type="submit">{t(c, 'directory.networks.add')}</button>
              </div>
            </form>
          ) : null}
        </section>

        {writer ? (
          <>
            <section class="panel">
              <h2>{t(c, 'directory.edit')}</h2>
              <OrganisationForm
                c={c}
                action={action}
                values={state.edit ?? (org as unknown as Record<string, unknown>)}
                branches={branches}
                submit={t(c, 'common.save')}
              />
            </section>
            <section class="panel">
              <h2>{t(c, 'directory.delete')}</h2>
              <form method="post" action={`${action}/delete`} class="inline">
                {csrfField(c)}
                <span class="muted">{t(c, 'directory.delete.confirm')}</span>{' '}
                <button type="submit" class="danger">
                  {t(c, 'directory.delete')}
                </button>
              </form>
            </section>
          </>
        ) : null}
      </>
    ),
  });
}

async function renderNew(
  c: Ctx,
  deps: AppDeps,
  actor: Actor,
  state: { values?: Record<string, unknown>; errors?: string[]; status?: ContentfulStatusCode } = {},
) {
  const branches = await deps.services.directory.listBranches(actor);
  return renderPage(c, {
    title: t(c, 'directory.organisations.new'),
    status: state.status ?? 200,
    body: (
      <>
        <p>
          <a href={BASE}>{t(c, 'directory.back')}</a>
        </p>
        <h1>{t(c, 'directory.organisations.new')}</h1>
        <Errors errors={state.errors} />
        <section class="panel">
          <OrganisationForm
            c={c}
            action={`${BASE}/organisations`}
            values={state.values ?? { kind: 'isp' }}
            branches={branches}
            submit={t(c, 'directory.organisations.new')}
          />
        </section>
      </>
    ),
  });
}

/** Writes need directory.write: others get the 403 page. */
function requireWriter(c: Ctx): Actor {
  const actor = requireReader(c);
  if (!canWrite(actor)) throw new DomainError('forbidden', 'role may not change the directory');
  return actor;
}

export function registerDirectoryPages(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const svc = () => deps.services.directory;

  app.get(BASE, (c) => renderIndex(c, deps, requireReader(c)));

  app.get(`${BASE}/organisations/new`, (c) => renderNew(c, deps, requireWriter(c)));

  app.post(`${BASE}/organisations`, async (c) => {
    const actor = requireWriter(c);
    const values = organisationFromForm(await readForm(c));
    try {
      const org = await svc().createOrganisation(actor, values);
      return c.redirect(`${BASE}/organisations/${org.id}?done=created`, 303);
    } catch (e) {
      if (e instanceof DomainError && (e.id === 'invalid_input' || e.id === 'conflict')) {
        return renderNew(c, deps, actor, { values, errors: errorsOf(c, e), status: statusOf(e) });
      }
      throw e;
    }
  });

  app.get(`${BASE}/organisations/:id`, (c) => {
    const done = c.req.query('done');
    const notice = done === 'created' || done === 'saved' ? t(c, `directory.${done}`) : undefined;
    return renderDetails(c, deps, requireReader(c), parseId(c.req.param('id')), { notice });
  });

  /** Runs a change; a rejected one shows the page again with the problems (and the input). */
  const change = (
    path: string,
    run: (c: Ctx, actor: Actor, id: number, form: Record<string, string>) => Promise<string | null>,
    keep: (form: Record<string, string>) => DetailState = () => ({}),
  ) =>
    app.post(`${BASE}/organisations/:id${path}`, async (c) => {
      const actor = requireWriter(c);
      const id = parseId(c.req.param('id'));
      const form = await readForm(c);
      try {
        const to = await run(c, actor, id, form);
        return c.redirect(to ?? `${BASE}/organisations/${id}?done=saved`, 303);
      } catch (e) {
        if (e instanceof DomainError && (e.id === 'invalid_input' || e.id === 'conflict')) {
          return renderDetails(c, deps, actor, id, {
            ...keep(form),
            errors: errorsOf(c, e),
            status: statusOf(e),
          });
        }
        throw e;
      }
    });

  change(
    '',
    async (_c, actor, id, form) => {
      await svc().updateOrganisation(actor, id, organisationFromForm(form));
      return null;
    },
    (form) => ({ edit: organisationFromForm(form) }),
  );

  change('/delete', async (_c, actor, id) => {
    await svc().deleteOrganisation(actor, id);
    return BASE;
  });

  change(
    '/contacts',
    async (_c, actor, id, form) => {
      await svc().addContact(actor, id, {
        role: form.role ?? 'abuse',
        name: form.name ?? '',
        email: form.email ?? '',
        phone: form.phone ?? '',
        language: form.language ?? 'zh-CN',
      });
      return null;
    },
    (form) => ({ contact: form }),
  );

  change(
    '/networks',
    async (_c, actor, id, form) => {
      await svc().addResource(actor, id, resourceFromText(form.value ?? ''));
      return null;
    },
    (form) => ({ resource: form.value ?? '' }),
  );

  /** Removing a contact or resource: it must belong to this organisation (else 404). */
  app.post(`${BASE}/organisations/:id/:kind{contacts|networks|asns|domains}/:rid/delete`, async (c) => {
    const actor = requireWriter(c);
    const id = parseId(c.req.param('id'));
    const rid = parseId(c.req.param('rid'));
    const kind = c.req.param('kind') as 'contacts' | 'networks' | 'asns' | 'domains';
    const org = await svc().getOrganisation(actor, id);
    const owned =
      kind === 'contacts'
        ? org.contacts.some((x) => x.id === rid)
        : kind === 'networks'
          ? org.networks.some((x) => x.id === rid)
          : kind === 'asns'
            ? org.asns.some((x) => x.id === rid)
            : org.domains.some((x) => x.id === rid);
    if (!owned) throw notFound(kind);
    if (kind === 'contacts') await svc().removeContact(actor, rid);
    else
      await svc().removeResource(
        actor,
        kind === 'networks' ? 'network' : kind === 'asns' ? 'asn' : 'domain',
        rid,
      );
    return c.redirect(`${BASE}/organisations/${id}`, 303);
  });
}
