import { z } from 'zod';
import { invalidInput } from '../shared/errors.ts';
import { isOpen, type IncidentState } from './states.ts';

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;

export type Severity = (typeof SEVERITIES)[number];

/** Traffic Light Protocol 2.0 labels, least to most restrictive. */
export const TLPS = ['clear', 'green', 'amber', 'amber+strict', 'red'] as const;

export type Tlp = (typeof TLPS)[number];

export const severitySchema = z.enum(SEVERITIES);
export const tlpSchema = z.enum(TLPS);

/** Hours allowed to handle an incident, per severity. */
export interface SlaHours {
  critical: number;
  high: number;
  medium: number;
  low: number;
}

export const slaHoursSchema = z.object({
  critical: z.number().positive(),
  high: z.number().positive(),
  medium: z.number().positive(),
  low: z.number().positive(),
});

const HOUR_MS = 3_600_000;

/** 0 for low … 3 for critical, to sort or compare severities. */
export function rankSeverity(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/**
 * Parses a TLP label as written in feeds and mail subjects (`TLP:AMBER+STRICT`, `tlp:white`, `Green`);
 * TLP 1.0 `white` maps to `clear`. Returns null when the label is not a TLP.
 */
export function parseTlp(label: string): Tlp | null {
  let s = label.trim().toLowerCase().replace(/\s+/g, '');
  if (s.startsWith('tlp:')) s = s.slice(4);
  if (s === 'white') return 'clear';
  return (TLPS as readonly string[]).includes(s) ? (s as Tlp) : null;
}

/** When an incident opened at `openedAt` with `severity` falls due under `slaHours`. */
export function computeDueAt(openedAt: Date, severity: Severity, slaHours: SlaHours): Date {
  const opened = openedAt.getTime();
  if (Number.isNaN(opened)) throw invalidInput('opening time is not a valid date');
  const hours = slaHours[severity];
  if (!Number.isFinite(hours) || hours <= 0) {
    throw invalidInput(`SLA for ${severity} incidents must be a positive number of hours`, [
      { field: `slaHours.${severity}`, message: 'must be a positive number of hours' },
    ]);
  }
  return new Date(opened + Math.round(hours * HOUR_MS));
}

/** True when an open incident is past its due time; closed or undated incidents are never overdue. */
export function isOverdue(incident: { state: IncidentState; dueAt: Date | null }, now: Date): boolean {
  if (incident.dueAt === null || !isOpen(incident.state)) return false;
  return now.getTime() > incident.dueAt.getTime();
}
