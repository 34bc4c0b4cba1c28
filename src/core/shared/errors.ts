/** Stable error ids: one HTTP error handler and the CLI map them to status codes and messages. */
export type DomainErrorId =
  'not_found' | 'forbidden' | 'invalid_input' | 'conflict' | 'unauthorized' | 'rate_limited';

export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `reporter.email` or `line 12: received_at`. */
  field: string;
  message: string;
}

export class DomainError extends Error {
  readonly id: DomainErrorId;
  readonly fields: FieldIssue[];

  constructor(id: DomainErrorId, message: string, fields: FieldIssue[] = []) {
    super(message);
    this.name = 'DomainError';
    this.id = id;
    this.fields = fields;
  }
}

export function notFound(what: string): DomainError {
  return new DomainError('not_found', `${what} not found`);
}

export function invalidInput(message: string, fields: FieldIssue[] = []): DomainError {
  return new DomainError('invalid_input', message, fields);
}

export function conflict(message: string): DomainError {
  return new DomainError('conflict', message);
}

export function isDomainError(e: unknown): e is DomainError {
  return e instanceof DomainError;
}
