import { describe, it, expect } from 'vitest';
import { DomainError } from '../shared/errors.ts';
import {
  INCIDENT_STATES,
  OPEN_STATES,
  assertTransition,
  canTransition,
  incidentStateSchema,
  isIncidentState,
  isOpen,
  nextStates,
  type IncidentState,
} from './states.ts';

const ALLOWED: Array<[IncidentState, IncidentState]> = [
  ['new', 'triaged'],
  ['new', 'assigned'],
  ['new', 'in_progress'],
  ['new', 'resolved'],
  ['new', 'rejected'],
  ['new', 'merged'],
  ['triaged', 'assigned'],
  ['triaged', 'in_progress'],
  ['triaged', 'resolved'],
  ['triaged', 'rejected'],
  ['triaged', 'merged'],
  ['assigned', 'in_progress'],
  ['assigned', 'triaged'],
  ['assigned', 'resolved'],
  ['assigned', 'rejected'],
  ['assigned', 'merged'],
  ['in_progress', 'assigned'],
  ['in_progress', 'resolved'],
  ['in_progress', 'rejected'],
  ['in_progress', 'merged'],
  ['resolved', 'in_progress'],
  ['rejected', 'triaged'],
];

describe('transitions', () => {
  it.each(ALLOWED)('allows %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    expect(() => assertTransition(from, to)).not.toThrow();
  });

  it.each([
    ['resolved', 'assigned'],
    ['resolved', 'new'],
    ['resolved', 'merged'],
    ['rejected', 'resolved'],
    ['rejected', 'in_progress'],
    ['merged', 'new'],
    ['merged', 'triaged'],
    ['in_progress', 'triaged'],
    ['in_progress', 'new'],
    ['triaged', 'new'],
    ['assigned', 'new'],
    ['new', 'new'],
  ] as Array<[IncidentState, IncidentState]>)('forbids %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
  });

  it('allows exactly the listed pairs', () => {
    const allowed = new Set(ALLOWED.map(([f, t]) => `${f}>${t}`));
    for (const from of INCIDENT_STATES) {
      for (const to of INCIDENT_STATES) {
        expect(canTransition(from, to), `${from} → ${to}`).toBe(allowed.has(`${from}>${to}`));
      }
    }
  });

  it('never allows staying in the same state', () => {
    for (const s of INCIDENT_STATES) expect(canTransition(s, s)).toBe(false);
  });

  it('assertTransition throws a conflict naming both states', () => {
    let caught: unknown;
    try {
      assertTransition('resolved', 'assigned');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(DomainError);
    expect((caught as DomainError).id).toBe('conflict');
    expect((caught as DomainError).message).toBe('cannot move an incident from resolved to assigned');
  });
});

describe('nextStates', () => {
  it('lists reachable states', () => {
    expect(nextStates('merged')).toEqual([]);
    expect(nextStates('resolved')).toEqual(['in_progress']);
    expect(nextStates('rejected')).toEqual(['triaged']);
    expect(nextStates('new')).toEqual([
      'triaged',
      'assigned',
      'in_progress',
      'resolved',
      'rejected',
      'merged',
    ]);
  });

  it('returns a copy the caller may mutate', () => {
    const states = nextStates('resolved');
    states.push('merged');
    expect(nextStates('resolved')).toEqual(['in_progress']);
  });

  it('agrees with canTransition', () => {
    for (const from of INCIDENT_STATES) {
      for (const to of nextStates(from)) expect(canTransition(from, to)).toBe(true);
    }
  });
});

describe('isOpen', () => {
  it('is true for new, triaged, assigned, in_progress only', () => {
    expect(OPEN_STATES).toEqual(['new', 'triaged', 'assigned', 'in_progress']);
    expect(INCIDENT_STATES.filter(isOpen)).toEqual([...OPEN_STATES]);
    expect(isOpen('resolved')).toBe(false);
    expect(isOpen('rejected')).toBe(false);
    expect(isOpen('merged')).toBe(false);
  });
});

describe('validation', () => {
  it('isIncidentState and the schema accept members only', () => {
    expect(isIncidentState('in_progress')).toBe(true);
    expect(isIncidentState('in-progress')).toBe(false);
    expect(isIncidentState(null)).toBe(false);
    expect(incidentStateSchema.parse('merged')).toBe('merged');
    expect(incidentStateSchema.safeParse('closed').success).toBe(false);
  });
});
