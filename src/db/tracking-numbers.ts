import { randomBytes } from 'node:crypto';
import { generateTrackingNumber } from '../core/incidents/tracking.ts';
import type { ImportBatch } from '../services/ports.ts';

/**
 * Tracking numbers in the store (ADR 0004: the year and 50 random bits). A report filed one by one
 * whose number is taken gets a new one from its service (`TrackingNumberTaken`). An import draws
 * its own numbers; into a database that holds reports already, a batch's number can collide with
 * a stored one (~1 in 1,000 per million reports on top of a million), or two of a load's numbers
 * can collide with each other. The import writers then draw the batch's numbers again and write
 * it again, instead of refusing a batch over a coincidence. An import prints no numbers, so
 * nobody has been told the ones redrawn.
 */

/** How often a batch is written with new numbers before its failure stands. */
export const TRACKING_ATTEMPTS = 5;

/** A new number for a report received at `receivedAt` (now, for a time that does not parse). */
export function drawTrackingNumber(receivedAt: string): string {
  const at = Date.parse(receivedAt);
  return generateTrackingNumber(Number.isNaN(at) ? new Date() : new Date(at), randomBytes(10));
}

/** Whether an insert failed on a report's tracking number being taken (either dialect). */
export function isTrackingNumberTaken(e: unknown): boolean {
  const err = e as { code?: unknown; constraint?: unknown; message?: unknown };
  if (err?.code === '23505') return err.constraint === 'reports_tracking_number_uq';
  return err?.code === 'SQLITE_CONSTRAINT_UNIQUE' && String(err.message).includes('reports.tracking_number');
}

/** Gives every report of the batch a new number (the batch was rolled back: none is stored). */
export function redrawTrackingNumbers(batch: ImportBatch): void {
  for (const r of batch.reports) r.trackingNumber = drawTrackingNumber(r.receivedAt);
}
