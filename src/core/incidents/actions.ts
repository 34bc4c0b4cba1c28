import { z } from 'zod';

/** What a handler did (or asked someone to do) about an incident. */
export const ACTION_KINDS = [
  'notify_owner',
  'contact_isp',
  'request_domain_suspension',
  'request_content_removal',
  'advise_reporter',
  'escalate_national',
  'reassign_branch',
  'contact_cert',
  'note',
] as const;

export type ActionKind = (typeof ACTION_KINDS)[number];

export const ACTION_OUTCOMES = ['pending', 'success', 'failure', 'no_response'] as const;

export type ActionOutcome = (typeof ACTION_OUTCOMES)[number];

/** Kinds of organisation an action can be addressed to. */
export const COUNTERPART_KINDS = ['isp', 'registrar', 'hosting', 'owner', 'cert'] as const;

export type CounterpartKind = (typeof COUNTERPART_KINDS)[number];

export const actionKindSchema = z.enum(ACTION_KINDS);
export const actionOutcomeSchema = z.enum(ACTION_OUTCOMES);
export const counterpartKindSchema = z.enum(COUNTERPART_KINDS);

const COUNTERPART_OF: Readonly<Record<ActionKind, CounterpartKind | null>> = {
  notify_owner: 'owner',
  contact_isp: 'isp',
  request_domain_suspension: 'registrar',
  request_content_removal: 'hosting',
  contact_cert: 'cert',
  // Addressed to a person or handled inside our own organisation: no directory counterpart.
  advise_reporter: null,
  escalate_national: null,
  reassign_branch: null,
  note: null,
};

/** The kind of organisation the action is addressed to, or null when it names none. */
export function counterpartKindOf(kind: ActionKind): CounterpartKind | null {
  return COUNTERPART_OF[kind];
}

/** True once an outcome is final (anything but `pending`). */
export function isSettled(outcome: ActionOutcome): boolean {
  return outcome !== 'pending';
}
