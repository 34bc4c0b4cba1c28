import { describe, it, expect } from 'vitest';
import { DomainError } from '../shared/errors.ts';
import {
  SEVERITIES,
  TLPS,
  computeDueAt,
  isOverdue,
  parseTlp,
  rankSeverity,
  severitySchema,
  slaHoursSchema,
  tlpSchema,
  type SlaHours,
} from './severity.ts';
import { INCIDENT_STATES, OPEN_STATES } from './states.ts';

const SLA: SlaHours = { critical: 4, high: 24, medium: 72, low: 168 };
const OPENED = new Date('2025-03-01T08:00:00Z');

describe('lists and schemas', () => {
  it('orders severities and TLP 2.0 labels', () => {
    expect(SEVERITIES).toEqual(['low', 'medium', 'high', 'critical']);
    expect(TLPS).toEqual(['clear', 'green', 'amber', 'amber+strict', 'red']);
    expect(rankSeverity('low')).toBeLessThan(rankSeverity('medium'));
    expect(rankSeverity('high')).toBeLessThan(rankSeverity('critical'));
  });

  it('schemas accept members only', () => {
    expect(severitySchema.parse('critical')).toBe('critical');
    expect(severitySchema.safeParse('urgent').success).toBe(false);
    expect(tlpSchema.parse('amber+strict')).toBe('amber+strict');
    expect(tlpSchema.safeParse('white').success).toBe(false);
    expect(slaHoursSchema.safeParse(SLA).success).toBe(true);
    expect(slaHoursSchema.safeParse({ ...SLA, low: 0 }).success).toBe(false);
    expect(slaHoursSchema.safeParse({ critical: 4, high: 24 }).success).toBe(false);
  });
});

describe('parseTlp', () => {
  it.each([
    ['TLP:AMBER+STRICT', 'amber+strict'],
    ['tlp:red', 'red'],
    [' Green ', 'green'],
    ['TLP:CLEAR', 'clear'],
    ['TLP:WHITE', 'clear'],
    ['white', 'clear'],
    ['TLP: AMBER', 'amber'],
  ] as const)('%s → %s', (label, tlp) => {
    expect(parseTlp(label)).toBe(tlp);
  });

  it('returns null for non-TLP labels', () => {
    expect(parseTlp('confidential')).toBeNull();
    expect(parseTlp('')).toBeNull();
  });
});

describe('computeDueAt', () => {
  it('adds the SLA hours of the severity', () => {
    expect(computeDueAt(OPENED, 'critical', SLA).toISOString()).toBe('2025-03-01T12:00:00.000Z');
    expect(computeDueAt(OPENED, 'high', SLA).toISOString()).toBe('2025-03-02T08:00:00.000Z');
    expect(computeDueAt(OPENED, 'medium', SLA).toISOString()).toBe('2025-03-04T08:00:00.000Z');
    expect(computeDueAt(OPENED, 'low', SLA).toISOString()).toBe('2025-03-08T08:00:00.000Z');
  });

  it('supports fractional hours and does not mutate its input', () => {
    const due = computeDueAt(OPENED, 'critical', { ...SLA, critical: 0.5 });
    expect(due.toISOString()).toBe('2025-03-01T08:30:00.000Z');
    expect(OPENED.toISOString()).toBe('2025-03-01T08:00:00.000Z');
  });

  it('rejects invalid SLA hours and dates', () => {
    expect(() => computeDueAt(OPENED, 'high', { ...SLA, high: -1 })).toThrow(DomainError);
    expect(() => computeDueAt(OPENED, 'high', { ...SLA, high: Number.NaN })).toThrow(/SLA for high/);
    expect(() => computeDueAt(new Date('nope'), 'high', SLA)).toThrow(DomainError);
  });
});

describe('isOverdue', () => {
  const dueAt = new Date('2025-03-01T12:00:00Z');

  it('is true for open incidents strictly past their due time', () => {
    expect(isOverdue({ state: 'assigned', dueAt }, new Date('2025-03-01T12:00:01Z'))).toBe(true);
    expect(isOverdue({ state: 'assigned', dueAt }, new Date('2025-03-01T12:00:00Z'))).toBe(false);
    expect(isOverdue({ state: 'assigned', dueAt }, new Date('2025-03-01T11:59:59Z'))).toBe(false);
  });

  it('only open states can be overdue', () => {
    const late = new Date('2025-04-01T00:00:00Z');
    for (const state of INCIDENT_STATES) {
      expect(isOverdue({ state, dueAt }, late), state).toBe(
        (OPEN_STATES as readonly string[]).includes(state),
      );
    }
  });

  it('incidents without a due date are never overdue', () => {
    expect(isOverdue({ state: 'new', dueAt: null }, new Date('2100-01-01T00:00:00Z'))).toBe(false);
  });

  it('works with computeDueAt', () => {
    const due = computeDueAt(OPENED, 'critical', SLA);
    expect(isOverdue({ state: 'in_progress', dueAt: due }, new Date('2025-03-01T11:00:00Z'))).toBe(false);
    expect(isOverdue({ state: 'in_progress', dueAt: due }, new Date('2025-03-01T13:00:00Z'))).toBe(true);
    expect(isOverdue({ state: 'resolved', dueAt: due }, new Date('2025-03-01T13:00:00Z'))).toBe(false);
  });
});
