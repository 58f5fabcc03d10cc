/**
 * The catalogue of domain errors. Each has a stable code (clients and tests match on it),
 * a kind that one place (src/http/plugins/errors.ts) maps to an HTTP status, and, where the
 * input was at fault, a list of every problem found so the user can fix them all at once.
 */

export type ErrorKind = 'invalid' | 'not-found' | 'conflict' | 'state' | 'unauthorized' | 'forbidden' | 'unavailable' | 'too-large'

/** One problem with one place in the input: a file path, a sheet/row/column, a record index. */
export interface Issue {
  path: string
  message: string
  line?: number
}

export const ErrorCodes = {
  VALIDATION_FAILED: { kind: 'invalid', title: 'The input is not valid' },
  INDICATOR_SET_INVALID: { kind: 'invalid', title: 'The indicator set is not valid' },
  INDICATOR_SET_IMMUTABLE: { kind: 'conflict', title: 'An indicator set version cannot be changed' },
  INDICATOR_SET_NOT_FOUND: { kind: 'not-found', title: 'No such indicator set' },
  NOT_FOUND: { kind: 'not-found', title: 'Not found' },
  CONFLICT: { kind: 'conflict', title: 'Conflicts with stored data' },
  ROUND_STATE: { kind: 'state', title: 'The round is not in a state that allows this' },
  UNAUTHORIZED: { kind: 'unauthorized', title: 'A valid bearer token is required' },
  FORBIDDEN: { kind: 'forbidden', title: 'Your role may not do this' },
  DATA_DIR_BUSY: { kind: 'unavailable', title: 'The embedded database is in use by another process' },
  CONFIG_INVALID: { kind: 'invalid', title: 'The configuration is not valid' },
  PHOTO_TOO_LARGE: { kind: 'too-large', title: 'The photo is too large' },
  BATCH_TOO_LARGE: { kind: 'too-large', title: 'The batch has too many records' },
} as const satisfies Record<string, { kind: ErrorKind; title: string }>

export type ErrorCode = keyof typeof ErrorCodes

export class DomainError extends Error {
  readonly code: ErrorCode
  readonly kind: ErrorKind
  readonly title: string
  readonly issues: Issue[]

  constructor(code: ErrorCode, detail: string, issues: Issue[] = []) {
    super(detail)
    this.name = 'DomainError'
    this.code = code
    this.kind = ErrorCodes[code].kind
    this.title = ErrorCodes[code].title
    this.issues = issues
  }
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError
}

/** `file: path: reason (line n)`, the form every validator prints. */
export function formatIssue(source: string, issue: Issue): string {
  const where = issue.path === '' ? '' : `${issue.path}: `
  const line = issue.line === undefined ? '' : ` (line ${issue.line})`
  return `${source}: ${where}${issue.message}${line}`
}
