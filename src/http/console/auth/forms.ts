import type { Context } from 'hono';
import type { AppEnv } from '../../context.ts';

/** The string fields of a submitted form (files and repeated fields are ignored). */
export async function readForm(c: Context<AppEnv>): Promise<Record<string, string>> {
  const body = await c.req.parseBody();
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** A post-login destination: only a console path on this site, never an open redirect. */
export function pickSafeNext(next: string | undefined | null): string {
  if (!next || !(next === '/console' || next.startsWith('/console/')) || /[\\\s]/.test(next))
    return '/console/incidents';
  if (next.startsWith('/console/login')) return '/console/incidents';
  return next;
}
