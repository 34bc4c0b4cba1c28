import { extractObservables } from '../core/incidents/observables.ts';
import { observableKeys } from '../core/incidents/search-query.ts';
import type { ImportBatch, ImportObservableRow } from './ports.ts';

/**
 * Completes a batch of an import: the observables of each report still without them, extracted
 * from its subject and description. Pure CPU work, so a storage that writes in a thread of its own
 * runs it there (compose passes this module's URL), overlapping the parsing of the next batch.
 */
export function prepareImportBatch(batch: ImportBatch): ImportBatch {
  for (const r of batch.reports) {
    if (r.observables === null) r.observables = extractReportObservables(r.subject, r.description);
  }
  return batch;
}

export function extractReportObservables(subject: string, description: string): ImportObservableRow[] {
  return extractObservables(`${subject}\n${description}`).map((o) => ({
    kind: o.kind,
    value: o.value,
    ...observableKeys(o.kind, o.value),
  }));
}
