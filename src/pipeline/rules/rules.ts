import { z } from 'zod';
import { CATEGORIES, type Category } from '../../core/incidents/categories.ts';
import type { FeedEvent } from '../../core/events/event.ts';

/**
 * Incident rules: a small declarative list (docs/pipeline.md, "Rules"). After a batch is stored,
 * each event is tested against every rule; a match opens an incident for the branch responsible
 * (once per match key: the same phishing URL or defaced host never opens two) and/or queues a
 * notification for the owner's abuse contact (`source.abuse_contact`).
 */
export const incidentRuleSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lower-case letters, digits and -'),
  description: z.string().default(''),
  match: z.object({
    /** classification.type, any of. */
    types: z.array(z.string().min(1)).min(1),
    /** Only events whose source is in the constituency (the branch expert found a branch). */
    inConstituency: z.boolean().default(true),
    /** source.fqdn (or the URL's host) ends with one of these (`.gov.cn`). */
    fqdnSuffixes: z.array(z.string().min(1)).optional(),
    /** feed.name, any of. */
    feeds: z.array(z.string().min(1)).optional(),
  }),
  /** Open (or update) an incident of this category for the source's branch. */
  incident: z
    .object({
      category: z.enum(CATEGORIES),
      severity: z.enum(['low', 'medium', 'high', 'critical']).default('medium'),
    })
    .optional(),
  /** Queue a notification for source.abuse_contact. */
  notify: z.boolean().default(false),
  /** What makes two events "the same thing" for this rule. */
  key: z.enum(['url', 'fqdn', 'source.ip', 'dedup_key']).default('dedup_key'),
});
export type IncidentRule = z.output<typeof incidentRuleSchema>;
export type IncidentRuleInput = z.input<typeof incidentRuleSchema>;

export const incidentRulesSchema = z.array(incidentRuleSchema).superRefine((rules, ctx) => {
  const seen = new Set<string>();
  for (const [i, r] of rules.entries()) {
    if (seen.has(r.id))
      ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate rule id ${r.id}` });
    seen.add(r.id);
  }
});

/** Validates a rules list (configuration file); errors name the rule and field. */
export function parseIncidentRules(input: unknown): IncidentRule[] {
  const r = incidentRulesSchema.safeParse(input);
  if (!r.success)
    throw new Error(
      `incident rules: ${r.error.issues.map((i) => `${i.path.join('.') || 'rules'}: ${i.message}`).join('; ')}`,
    );
  return r.data;
}

/** The defaults: the report's cases of feed events that become incidents or notifications. */
export const DEFAULT_INCIDENT_RULES: readonly IncidentRule[] = parseIncidentRules([
  {
    id: 'phishing-in-constituency',
    description:
      'A phishing URL hosted in the constituency: a phishing incident for its branch, and the host owner notified.',
    match: { types: ['phishing'] },
    incident: { category: 'phishing', severity: 'medium' },
    notify: true,
    key: 'url',
  },
  {
    id: 'gov-defacement',
    description:
      'A defaced .gov.cn site: a defacement incident for its branch (high), and the host owner notified.',
    match: {
      types: ['defacement', 'unauthorised-information-modification'],
      fqdnSuffixes: ['.gov.cn'],
      inConstituency: false,
    },
    incident: { category: 'defacement', severity: 'high' },
    notify: true,
    key: 'fqdn',
  },
  {
    id: 'malware-distribution-in-constituency',
    description: 'A URL distributing malware hosted in the constituency: a web malicious code incident.',
    match: { types: ['malware-distribution'] },
    incident: { category: 'web-malicious-code', severity: 'medium' },
    notify: true,
    key: 'url',
  },
  {
    id: 'infected-system-notify',
    description: 'An infected system in the constituency: its network owner is notified (no incident).',
    match: { types: ['infected-system'] },
    notify: true,
    key: 'dedup_key',
  },
  {
    id: 'c2-server-notify',
    description: 'A C&C server in the constituency: its network owner is notified (no incident).',
    match: { types: ['c2-server'] },
    notify: true,
    key: 'dedup_key',
  },
]);

function hostOf(e: FeedEvent): string | null {
  if (e['source.fqdn']) return e['source.fqdn'].toLowerCase().replace(/\.$/, '');
  const url = e['source.url'];
  if (!url) return null;
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return null;
  }
}

/** The rule's match key for the event, or null when the rule does not match it. */
export function matchRule(rule: IncidentRule, event: FeedEvent, dedupKey: string): string | null {
  const type = event['classification.type'];
  if (!type || !rule.match.types.includes(type)) return null;
  if (rule.match.feeds && !rule.match.feeds.includes(event['feed.name'] ?? '')) return null;
  if (rule.match.inConstituency && !event['source.branch']) return null;
  const host = hostOf(event);
  if (rule.match.fqdnSuffixes) {
    if (!host) return null;
    const h = `.${host}`;
    if (
      !rule.match.fqdnSuffixes.some((s) =>
        h.endsWith(s.startsWith('.') ? s.toLowerCase() : `.${s.toLowerCase()}`),
      )
    )
      return null;
  }
  switch (rule.key) {
    case 'url':
      return event['source.url'] ?? host ?? dedupKey;
    case 'fqdn':
      return host ?? event['source.url'] ?? dedupKey;
    case 'source.ip':
      return event['source.ip'] ?? dedupKey;
    default:
      return dedupKey;
  }
}

export type { Category };
