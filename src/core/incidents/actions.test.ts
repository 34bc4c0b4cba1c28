import { describe, it, expect } from 'vitest';
import {
  ACTION_KINDS,
  ACTION_OUTCOMES,
  COUNTERPART_KINDS,
  actionKindSchema,
  actionOutcomeSchema,
  counterpartKindOf,
  isSettled,
} from './actions.ts';

describe('action kinds', () => {
  it('lists the kinds and outcomes', () => {
    expect(ACTION_KINDS).toEqual([
      'notify_owner',
      'contact_isp',
      'request_domain_suspension',
      'request_content_removal',
      'advise_reporter',
      'escalate_national',
      'reassign_branch',
      'contact_cert',
      'note',
    ]);
    expect(ACTION_OUTCOMES).toEqual(['pending', 'success', 'failure', 'no_response']);
  });

  it.each([
    ['notify_owner', 'owner'],
    ['contact_isp', 'isp'],
    ['request_domain_suspension', 'registrar'],
    ['request_content_removal', 'hosting'],
    ['contact_cert', 'cert'],
    ['advise_reporter', null],
    ['escalate_national', null],
    ['reassign_branch', null],
    ['note', null],
  ] as const)('%s is addressed to %s', (kind, counterpart) => {
    expect(counterpartKindOf(kind)).toBe(counterpart);
  });

  it('only names known counterpart kinds', () => {
    for (const kind of ACTION_KINDS) {
      const c = counterpartKindOf(kind);
      if (c !== null) expect(COUNTERPART_KINDS).toContain(c);
    }
  });

  it('isSettled is false only for pending', () => {
    expect(ACTION_OUTCOMES.filter(isSettled)).toEqual(['success', 'failure', 'no_response']);
  });

  it('schemas accept members only', () => {
    expect(actionKindSchema.parse('contact_isp')).toBe('contact_isp');
    expect(actionKindSchema.safeParse('call_police').success).toBe(false);
    expect(actionOutcomeSchema.parse('no_response')).toBe('no_response');
    expect(actionOutcomeSchema.safeParse('done').success).toBe(false);
  });
});
