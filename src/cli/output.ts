/** How the CLI reports: results on stdout, diagnostics on stderr, any failure exits non-zero. */
import { formatIssue, isDomainError } from '../domain/errors.js'

export function reportError(error: unknown, source = 'civindex'): void {
  if (isDomainError(error)) {
    process.stderr.write(`${source}: ${error.issues.length > 0 ? error.title : error.message}\n`)
    for (const issue of error.issues) process.stderr.write(`  ${formatIssue(source === 'civindex' ? '' : source, issue).replace(/^: /, '')}\n`)
    return
  }
  const message = error instanceof Error ? error.message : String(error)
  process.stderr.write(`civindex: ${message}\n`)
  if (error instanceof Error && error.cause instanceof Error) process.stderr.write(`  caused by: ${error.cause.message}\n`)
}
