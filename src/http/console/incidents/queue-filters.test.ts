import { describe, expect, it } from 'vitest';
import { ACTION_KINDS, ACTION_OUTCOMES } from '../../../core/incidents/actions.ts';
import { CATEGORIES } from '../../../core/incidents/categories.ts';
import { REPORT_CHANNELS, REPORTER_TYPES } from '../../../core/incidents/incident.ts';
import { OBSERVABLE_KINDS } from '../../../core/incidents/observables.ts';
import { SEVERITIES } from '../../../core/incidents/severity.ts';
import { INCIDENT_STATES } from '../../../core/incidents/states.ts';
import { hasMessage } from '../../../i18n/index.ts';
import { savedViewQuerySchema } from '../../../services/saved-view.service.ts';
import {
  EMPTY_FILTERS,
  buildSearchQuery,
  fromSavedQuery,
  hasFilters,
  parseQueueFilters,
  serializeQueueFilters,
  toSavedQuery,
} from './queue-filters.ts';

describe('queue filters', () => {
  it('reads a query string and writes it back the same', () => {
    const qs =
      'q=%E4%BB%BF%E5%86%92&observable=10.0.0.0%2F8&state=new&state=triaged&category=phishing&branch=CN-BJ&severity=high&assignee=mine&overdue=1&from=2007-06-01&to=2007-06-30&resolved_from=2007-06-10&resolved_to=2007-06-20&sort=due_at&order=asc';
    const { filters, issues, cursor } = parseQueueFilters(new URLSearchParams(qs));
    expect(issues).toEqual([]);
    expect(cursor).toBeUndefined();
    expect(filters).toEqual({
      text: '仿冒',
      observable: '10.0.0.0/8',
      states: ['new', 'triaged'],
      categories: ['phishing'],
      branches: ['CN-BJ'],
      severities: ['high'],
      assignee: 'mine',
      overdue: true,
      from: '2007-06-01',
      to: '2007-06-30',
      resolvedFrom: '2007-06-10',
      resolvedTo: '2007-06-20',
      sort: 'due_at',
      order: 'asc',
    });
    expect(serializeQueueFilters(filters)).toBe(qs);
    // Through a saved view and back, nothing is lost, and the saved form passes the service's schema.
    const saved = toSavedQuery(filters);
    expect(savedViewQuerySchema.safeParse(saved).success).toBe(true);
    expect(fromSavedQuery(saved)).toEqual(filters);
    expect(hasFilters(filters)).toBe(true);
    expect(hasFilters({ ...EMPTY_FILTERS, sort: 'severity' })).toBe(false);
    expect(serializeQueueFilters(EMPTY_FILTERS)).toBe('');
  });

  it('ignores empty form fields and names each bad one', () => {
    const empty = parseQueueFilters(
      new URLSearchParams('q=&observable=&category=&branch=&assignee=&from=&to=&sort=id&order=desc'),
    );
    expect(empty.issues).toEqual([]);
    expect(empty.filters).toEqual(EMPTY_FILTERS);
    const bad = parseQueueFilters(
      new URLSearchParams(
        'state=open&category=worms&severity=huge&assignee=bob&from=2007-02-30&to=x&sort=title&order=up&branch=CN%20BJ',
      ),
    );
    expect(bad.issues.map((i) => i.field).sort()).toEqual(
      ['state', 'category', 'severity', 'assignee', 'from', 'to', 'sort', 'order', 'branch'].sort(),
    );
    const reversed = parseQueueFilters(new URLSearchParams('from=2007-06-30&to=2007-06-01'));
    expect(reversed.issues).toEqual([{ field: 'to', message: 'before the first day' }]);
  });

  it('turns local days into UTC bounds and "mine" into the user', () => {
    const { filters } = parseQueueFilters(
      new URLSearchParams('from=2007-06-30&to=2007-06-30&assignee=mine&branch=CN-XJ'),
    );
    expect(buildSearchQuery(filters, { userId: 7, timeZone: 'Asia/Shanghai', branchFixed: false })).toEqual({
      sort: 'id',
      order: 'desc',
      limit: 50,
      assigneeId: 7,
      branchCodes: ['CN-XJ'],
      openedFrom: '2007-06-29T16:00:00.000Z',
      openedTo: '2007-06-30T16:00:00.000Z',
    });
    // A branch handler's branch is fixed: the filter is not passed on (their scope decides).
    const fixed = buildSearchQuery(filters, { userId: 7, timeZone: 'UTC', branchFixed: true, cursor: 'abc' });
    expect(fixed.branchCodes).toBeUndefined();
    expect(fixed.cursor).toBe('abc');
    expect(fixed.openedFrom).toBe('2007-06-30T00:00:00.000Z');
  });

  it('has a label in both languages for every value it shows', () => {
    const keys = [
      ...INCIDENT_STATES.map((s) => `incidents.state.${s}`),
      ...SEVERITIES.map((s) => `incidents.severity.${s}`),
      ...REPORT_CHANNELS.map((s) => `incidents.channel.${s}`),
      ...REPORTER_TYPES.map((s) => `incidents.reporter.${s}`),
      ...ACTION_KINDS.map((s) => `incidents.action.${s}`),
      ...ACTION_OUTCOMES.map((s) => `incidents.outcome.${s}`),
      ...OBSERVABLE_KINDS.map((s) => `incidents.observable.${s}`),
      ...CATEGORIES.map((s) => `category.${s}`),
    ];
    expect(keys.filter((k) => !hasMessage(k))).toEqual([]);
  });
});
