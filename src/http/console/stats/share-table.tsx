import type { Context } from 'hono';
import type { AppEnv } from '../../context.ts';
import { t } from '../layout.tsx';

type Ctx = Context<AppEnv>;

/** A share (0–1) as the statistics pages print it: one decimal, per cent. */
export function pct(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

/** A horizontal bar of a share, for the eye only (the number stands next to it). */
export function Bar(props: { share: number }) {
  return (
    <span class="bar" aria-hidden="true">
      <span class="bar-fill" style={`width:${(props.share * 100).toFixed(2)}%`} />
    </span>
  );
}

/** The period fields (from, to) of a statistics page's filter form. */
export function PeriodFields(props: { c: Ctx; from: string; to: string }) {
  const { c } = props;
  return (
    <>
      <label>
        {t(c, 'stats.from')} <input type="date" name="from" value={props.from} required />
      </label>
      <label>
        {t(c, 'stats.to')} <input type="date" name="to" value={props.to} required />
      </label>
    </>
  );
}

export interface ShareRow {
  label: string;
  count: number;
  share: number;
  /** Drill-down link of the row (scoped like every list). */
  href?: string;
}

/**
 * One breakdown of a statistic: item, count, share and a bar per row, with an optional total.
 * Used by the incident statistics and the trojan and botnet figures alike.
 */
export function ShareTable(props: {
  c: Ctx;
  title: string;
  /** h2 on a page of its own figures, h4 inside a section of one kind. */
  heading?: 'h2' | 'h4';
  definition?: string;
  /** Extra class of the definition line (e.g. `muted`). */
  definitionClass?: string;
  /** The first column's heading (default: item). */
  head?: string;
  rows: ShareRow[];
  /** At most this many rows. */
  limit?: number;
  /** A total row at the foot. */
  total?: number;
  /** `data-figure` of the section (tests and scrapers find a figure by it). */
  stat?: string;
}) {
  const { c } = props;
  const rows = props.limit ? props.rows.slice(0, props.limit) : props.rows;
  const heading = props.heading ?? 'h2';
  return (
    <section class="stat" {...(props.stat ? { 'data-figure': props.stat } : {})}>
      {heading === 'h2' ? <h2>{props.title}</h2> : <h4>{props.title}</h4>}
      {props.definition ? (
        <p class={props.definitionClass ? `definition ${props.definitionClass}` : 'definition'}>
          {props.definition}
        </p>
      ) : null}
      <table class="data">
        <thead>
          <tr>
            <th scope="col">{props.head ?? t(c, 'stats.col.item')}</th>
            <th scope="col" class="num">
              {t(c, 'stats.col.count')}
            </th>
            <th scope="col" class="num">
              {t(c, 'stats.col.share')}
            </th>
            <th scope="col" />
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr>
              <td>{r.href ? <a href={r.href}>{r.label}</a> : r.label}</td>
              <td class="num">{r.count}</td>
              <td class="num">{pct(r.share)}</td>
              <td>
                <Bar share={r.share} />
              </td>
            </tr>
          ))}
        </tbody>
        {props.total !== undefined ? (
          <tfoot>
            <tr>
              <th scope="row">{t(c, 'stats.col.total')}</th>
              <td class="num">{props.total}</td>
              <td />
              <td />
            </tr>
          </tfoot>
        ) : null}
      </table>
    </section>
  );
}
