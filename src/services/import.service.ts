import { randomBytes } from 'node:crypto';
import type { Actor } from '../core/auth/actor.ts';
import { requirePermission } from '../core/auth/actor.ts';
import { createBranchMatcher, type MatchableBranch } from '../core/directory/branch-matcher.ts';
import { isScanning } from '../core/incidents/categories.ts';
import { parseImportRecord, type ImportedReport } from '../core/incidents/import-record.ts';
import { computeDueAt, type SlaHours } from '../core/incidents/severity.ts';
import { generateTrackingNumber } from '../core/incidents/tracking.ts';
import type { Clock } from '../core/shared/clock.ts';
import { DomainError, isDomainError } from '../core/shared/errors.ts';
import type {
  ImportActionRow,
  ImportBatch,
  ImportIncidentRow,
  ImportReportRow,
  IncidentImportPort,
} from './ports.ts';
import { extractReportObservables, prepareImportBatch } from './import-prepare.ts';

export interface ImportInputRecord {
  line: number;
  record: unknown;
  /** The reader could not read this line (e.g. not JSON): it counts as malformed with this message. */
  error?: string;
}

export interface ImportOptions {
  /** Shown in the audit log: the file name. */
  source: string;
  batchSize?: number;
  /** Go on after a malformed line (each is listed); default: stop at the first. */
  skipInvalid?: boolean;
  onProgress?: (linesDone: number) => void;
}

export interface ImportResult {
  reports: number;
  incidents: number;
  actions: number;
  /** Malformed lines: with skipInvalid all of them; otherwise the one that stopped the import. */
  errors: { line: number; message: string }[];
  /** Set when the import stopped early; every line before it is stored. */
  stoppedAtLine: number | null;
}

export interface ImportService {
  importReports(
    actor: Actor,
    records: AsyncIterable<ImportInputRecord>,
    options: ImportOptions,
  ): Promise<ImportResult>;
}

export function createImportService(deps: {
  imports: IncidentImportPort;
  /**
   * The branch list (codes, names, aliases) that branch columns are matched against; rows that
   * name no branch go to the national centre (the branch marked isNational).
   */
  loadBranches: () => Promise<readonly (MatchableBranch & { isNational: boolean })[]>;
  clock: Clock;
  timeZone: string;
  slaHours: SlaHours;
  random?: (n: number) => Uint8Array;
}): ImportService {
  const random = deps.random ?? ((n: number) => randomBytes(n));

  return {
    async importReports(actor, records, options) {
      requirePermission(actor, 'incident.write');
      const batchSize = options.batchSize ?? 2000;
      const result: ImportResult = { reports: 0, incidents: 0, actions: 0, errors: [], stoppedAtLine: null };
      /** Incident key → id, across batches. */
      const known = new Map<string, number>();
      let pending: ImportedReport[] = [];
      const branches = await deps.loadBranches();
      const matcher = createBranchMatcher(branches);
      const national = branches.find((b) => b.isNational)?.code;
      if (national === undefined) throw new DomainError('conflict', 'no national centre in the branch list');
      // an import names the same few branches on every line: match each spelling once
      const branchOf = new Map<string, string | null>();
      const resolveBranch = (name: string) => {
        let code = branchOf.get(name);
        if (code === undefined) branchOf.set(name, (code = matcher.match(name)));
        return code;
      };
      let firstLine = 0;
      let lastLine = 0;

      /**
       * Batches handed to the writer and not yet stored, oldest first (the writer may be another
       * thread): up to MAX_IN_FLIGHT while the next is parsed, so that a batch that parses slowly
       * and one that writes slowly even out. Each settles when it is stored and the ids of the
       * incidents it created (`keys`) are known.
       */
      const inflight: { written: Promise<void>; keys: Set<string> }[] = [];
      const isInFlight = (key: string) => inflight.some((b) => b.keys.has(key));

      const flush = async () => {
        if (pending.length === 0) return;
        const built = buildBatch(pending);
        const batchLastLine = lastLine;
        pending = [];
        if (!deps.imports.preparesBatches) prepareImportBatch(built.batch);
        else {
          // the writer thread prepares what is left; while it has a batch waiting behind the one it
          // writes, it is the slower of the two, so this thread prepares reports itself meanwhile
          for (const r of built.batch.reports) {
            if (deps.imports.writerBacklog() < 2) break;
            r.observables = extractReportObservables(r.subject, r.description);
          }
        }
        // rows of an incident that a batch in flight creates need its id: wait for those batches
        if (built.unresolved.length > 0) await drain();
        while (inflight.length >= MAX_IN_FLIGHT) await inflight.shift()!.written;
        for (const u of built.unresolved) u.row.incident = { id: known.get(u.key)! };
        const written = deps.imports.insertBatch(built.batch).then(({ incidentIds }) => {
          built.newKeys.forEach((key, i) => {
            if (key !== null) known.set(key, incidentIds[i]!);
          });
          result.reports += built.batch.reports.length;
          result.incidents += incidentIds.length;
          result.actions += built.batch.actions.length;
          options.onProgress?.(batchLastLine);
        });
        // awaited by the next flush or drain; until then a failure must not count as unhandled
        written.catch(() => {});
        inflight.push({ written, keys: new Set(built.newKeys.filter((k): k is string => k !== null)) });
      };

      /** Waits until every batch handed over is stored (the first failure is thrown). */
      const drain = async () => {
        while (inflight.length > 0) await inflight.shift()!.written;
      };

      const buildBatch = (rows: ImportedReport[]) => {
        const incidents: ImportIncidentRow[] = [];
        const newKeys: (string | null)[] = [];
        const localIndex = new Map<string, number>();
        const reports: ImportReportRow[] = [];
        const actions: ImportActionRow[] = [];
        /** Rows whose incident the batch in flight creates: resolved once that batch is stored. */
        const unresolved: { row: { incident: ImportReportRow['incident'] }; key: string }[] = [];
        const randomPool = random(rows.length * 10);
        for (const r of rows) {
          let ref: { batchIndex: number } | { id: number };
          let later: string | null = null;
          const existing = r.incidentKey === null ? undefined : known.get(r.incidentKey);
          if (existing !== undefined) ref = { id: existing };
          else if (r.incidentKey !== null && isInFlight(r.incidentKey)) {
            ref = { id: 0 };
            later = r.incidentKey;
          } else if (r.incidentKey !== null && localIndex.has(r.incidentKey))
            ref = { batchIndex: localIndex.get(r.incidentKey)! };
          else {
            const inc = r.incident;
            const branch = inc.branch === null ? national : resolveBranch(inc.branch);
            if (branch === null) throw new BranchError(r.line, inc.branch!);
            incidents.push({
              title: inc.title,
              description: r.description,
              category: r.category,
              rsit: r.rsit,
              scanning: isScanning(r.category) ? 1 : 0,
              severity: inc.severity,
              tlp: inc.tlp,
              branchCode: branch,
              state: inc.state,
              openedAt: inc.openedAt,
              dueAt: computeDueAt(new Date(inc.openedAt), inc.severity, deps.slaHours).toISOString(),
              triagedAt: inc.state === 'new' ? null : inc.openedAt,
              resolvedAt: inc.resolvedAt,
              closedAt: inc.resolvedAt,
            });
            newKeys.push(r.incidentKey);
            ref = { batchIndex: incidents.length - 1 };
            if (r.incidentKey !== null) localIndex.set(r.incidentKey, incidents.length - 1);
          }
          const report: ImportReportRow = {
            incident: ref,
            trackingNumber: generateTrackingNumber(
              new Date(r.receivedAt),
              randomPool.subarray(reports.length * 10, reports.length * 10 + 10),
            ),
            channel: r.channel,
            reporterType: r.reporterType,
            reporterName: r.reporterName,
            reporterEmail: r.reporterEmail,
            reporterPhone: r.reporterPhone,
            receivedAt: r.receivedAt,
            subject: r.subject,
            description: r.description,
            category: r.category,
            language: /[\u4e00-\u9fff]/.test(r.subject + r.description) ? 'zh-CN' : 'en',
            meta: JSON.stringify({
              imported: { source: options.source, line: r.line, externalId: r.externalId || undefined },
            }),
            observables: null,
          };
          reports.push(report);
          if (later !== null) unresolved.push({ row: report, key: later });
          for (const a of r.actions) {
            const branch = a.branch === null ? null : resolveBranch(a.branch);
            if (a.branch !== null && branch === null)
              throw new BranchError(r.line, a.branch, 'action_branch');
            const action: ImportActionRow = {
              incident: ref,
              kind: a.kind,
              // an action naming no branch was taken by the incident's branch (the row's, resolved)
              branchCode:
                branch ?? (r.incident.branch === null ? null : resolveBranch(r.incident.branch)) ?? national,
              counterpart: a.counterpart,
              occurredAt: a.occurredAt,
              outcome: a.outcome,
              note: a.note,
            };
            actions.push(action);
            if (later !== null) unresolved.push({ row: action, key: later });
          }
        }
        const batch: ImportBatch = {
          incidents,
          reports,
          actions,
          audit: {
            at: deps.clock.now().toISOString(),
            actorId: actor.userId,
            actor: actor.label,
            entity: 'import',
            entityId: options.source,
            action: 'import',
            incidentId: null,
            before: null,
            after: {
              source: options.source,
              lines: [firstLine, lastLine],
              reports: reports.length,
              incidents: incidents.length,
            },
            ip: actor.ip,
          },
        };
        return { batch, newKeys, unresolved };
      };

      // Into an empty embedded database, indexes are built once at the end (see db/bulk-load.ts).
      await deps.imports.beginBulkLoad();
      try {
        for await (const { line, record, error } of records) {
          try {
            if (error !== undefined) throw new DomainError('invalid_input', error);
            const parsed = parseImportRecord(record, line, deps.timeZone);
            if (parsed.incident.branch !== null && resolveBranch(parsed.incident.branch) === null) {
              throw new BranchError(line, parsed.incident.branch);
            }
            for (const a of parsed.actions) {
              if (a.branch !== null && resolveBranch(a.branch) === null)
                throw new BranchError(line, a.branch, 'action_branch');
            }
            if (pending.length === 0) firstLine = line;
            pending.push(parsed);
            lastLine = line;
          } catch (e) {
            if (!isDomainError(e) && !(e instanceof BranchError)) throw e;
            result.errors.push({ line, message: e.message });
            if (!options.skipInvalid) {
              await flush();
              await drain();
              result.stoppedAtLine = line;
              return result;
            }
            continue;
          }
          if (pending.length >= batchSize) await flush();
        }
        await flush();
        await drain();
        return result;
      } finally {
        // never end the load (build indexes, stop a writer thread) while a batch is being written
        await drain().catch(() => {});
        await deps.imports.endBulkLoad();
      }
    },
  };
}

/** Batches handed to the writer and not yet stored, at most (while the next one is parsed). */
const MAX_IN_FLIGHT = 3;

class BranchError extends Error {
  constructor(line: number, name: string, field = 'branch') {
    super(`line ${line}: ${field}: unknown branch "${name}"`);
  }
}
