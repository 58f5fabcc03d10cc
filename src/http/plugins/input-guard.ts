/**
 * Text no handler should ever see: a NUL (U+0000, which PostgreSQL's text refuses) or a lone
 * surrogate (not a character) anywhere in the URL's path parameters and query values, in a
 * header, or in any key or string of a JSON body. Refused with 400 naming the place, before
 * the route's schema and handler run. Undecodable percent-encoding in a path is the router's
 * (errors.ts `frameworkError`).
 *
 * Speed: a batch of records is megabytes of JSON. The body is parsed as before (secure-json-
 * parse, prototype poisoning refused), and its text is scanned once for the escapes that can
 * produce such characters (`\u0000`, `\uD8xx`–`\uDFxx`); only a body holding one is walked.
 */
import fp from 'fastify-plugin'
import type { FastifyRequest } from 'fastify'
import { DomainError } from '../../domain/errors.js'
import { findUnstorableText, mayHoldUnstorableText, textProblem } from '../../domain/text.js'

function refuse(path: string, message: string): DomainError {
  return new DomainError('VALIDATION_FAILED', `${path} ${message}`, [{ path, message }])
}

function checkValues(part: string, values: unknown): DomainError | null {
  if (typeof values !== 'object' || values === null) return null
  for (const [name, value] of Object.entries(values)) {
    for (const text of Array.isArray(value) ? value : [value]) {
      if (typeof text !== 'string') continue
      const message = textProblem(name) ?? textProblem(text)
      if (message) return refuse(`${part}.${name}`, message)
    }
  }
  return null
}

function checkUrl(request: FastifyRequest): DomainError | null {
  return checkValues('params', request.params) ?? checkValues('querystring', request.query) ?? checkValues('headers', request.headers)
}

export default fp(
  async (app) => {
    app.addHook('onRequest', async (request) => {
      const refused = checkUrl(request)
      if (refused) throw refused
    })

    const parseJson = app.getDefaultJsonParser('error', 'error')
    app.removeContentTypeParser('application/json')
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      const text = typeof body === 'string' ? body : body.toString('utf8')
      void parseJson(request, text, (error: Error | null, value?: unknown) => {
        if (error) return done(error, undefined)
        const bad = mayHoldUnstorableText(text) ? findUnstorableText(value).map((b) => ({ ...b, path: b.path === '' ? 'body' : b.path })) : []
        if (bad.length > 0) return done(new DomainError('VALIDATION_FAILED', `${bad.length} text(s) in the body cannot be stored: ${bad[0]!.path} ${bad[0]!.message}`, bad), undefined)
        done(null, value)
      })
    })
  },
  { name: 'input-guard', dependencies: ['errors'] },
)
