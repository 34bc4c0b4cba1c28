import { z } from 'zod';
import { DomainError } from '../shared/errors.ts';

export const INCIDENT_STATES = [
  'new',
  'triaged',
  'assigned',
  'in_progress',
  'resolved',
  'rejected',
  'merged',
] as const;

export type IncidentState = (typeof INCIDENT_STATES)[number];

/** States in which an incident still needs work (and can become overdue). */
export const OPEN_STATES = [
  'new',
  'triaged',
  'assigned',
  'in_progress',
] as const satisfies readonly IncidentState[];

export type OpenState = (typeof OPEN_STATES)[number];

export const incidentStateSchema = z.enum(INCIDENT_STATES);

const TRANSITIONS: Readonly<Record<IncidentState, readonly IncidentState[]>> = {
  new: ['triaged', 'assigned', 'in_progress', 'resolved', 'rejected', 'merged'],
  triaged: ['assigned', 'in_progress', 'resolved', 'rejected', 'merged'],
  assigned: ['in_progress', 'triaged', 'resolved', 'rejected', 'merged'],
  in_progress: ['assigned', 'resolved', 'rejected', 'merged'],
  // Reopen paths.
  resolved: ['in_progress'],
  rejected: ['triaged'],
  merged: [],
};

export function canTransition(from: IncidentState, to: IncidentState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Throws `conflict` unless `from → to` is an allowed transition. */
export function assertTransition(from: IncidentState, to: IncidentState): void {
  if (!canTransition(from, to)) {
    throw new DomainError('conflict', `cannot move an incident from ${from} to ${to}`);
  }
}

/** States reachable from `from` in one step (a fresh array, safe to mutate). */
export function nextStates(from: IncidentState): IncidentState[] {
  return [...TRANSITIONS[from]];
}

export function isOpen(state: IncidentState): state is OpenState {
  return (OPEN_STATES as readonly IncidentState[]).includes(state);
}

export function isIncidentState(s: unknown): s is IncidentState {
  return typeof s === 'string' && (INCIDENT_STATES as readonly string[]).includes(s);
}
