/**
 * Every error leaves as RFC 9457 problem+json. Domain errors map to a status by their kind
 * (the only place that knows HTTP statuses); input errors carry every issue so the client
 * can fix them all; 5xx details stay in the log, never in the response.
 */
import fp from 'fastify-plugin'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { isDomainError, type ErrorKind, type Issue } from '../../domain/errors.js'

const STATUS: Record<ErrorKind, number> = {
  invalid: 400,
  'not-found': 404,
  conflict: 409,
  state: 409,
  unauthorized: 401,
  forbidden: 403,
  unavailable: 503,
  'too-large': 413,
}

export interface Problem {
  type: string
  title: string
  status: number
  detail: string
  code: string
  instance: string
  errors?: Issue[]
}

export function problemType(code: string): string {
  return `urn:civindex:problem:${code}`
}

export function sendProblem(reply: FastifyReply, request: FastifyRequest, status: number, code: string, title: string, detail: string, errors?: Issue[]): FastifyReply {
  const body: Problem = { type: problemType(code), title, status, detail, code, instance: request.url, ...(errors && errors.length > 0 ? { errors } : {}) }
  if (status === 401) void reply.header('www-authenticate', 'Bearer realm="civindex"')
  return reply.code(status).type('application/problem+json').send(body)
}

/** Fastify's own client errors, by their codes. */
const FASTIFY_CLIENT_ERRORS: Record<string, { code: string; title: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'BODY_TOO_LARGE', title: 'The request body is too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE', title: 'Unsupported content type' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'MALFORMED_BODY', title: 'The request body is empty' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'MALFORMED_BODY', title: 'The request body is not valid JSON' },
}

export default fp(
  async (app) => {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (isDomainError(error)) {
        return sendProblem(reply, request, STATUS[error.kind], error.code, error.title, error.message, error.issues)
      }
      if (error.validation) {
        const issues: Issue[] = error.validation.map((v) => ({
          path: `${error.validationContext ?? 'body'}${v.instancePath.replace(/\//g, '.')}`,
          message: v.message ?? 'is not valid',
        }))
        return sendProblem(reply, request, 400, 'VALIDATION_FAILED', 'The input is not valid', `${issues.length} problem(s) in the request`, issues)
      }
      const known = error.code ? FASTIFY_CLIENT_ERRORS[error.code] : undefined
      if (known) return sendProblem(reply, request, error.statusCode ?? 400, known.code, known.title, error.message)
      if (error instanceof SyntaxError || (error.statusCode !== undefined && error.statusCode < 500)) {
        return sendProblem(reply, request, error.statusCode ?? 400, 'BAD_REQUEST', 'The request cannot be processed', error.message)
      }
      request.log.error({ err: error }, 'unhandled error')
      return sendProblem(reply, request, 500, 'INTERNAL', 'Internal error', 'An unexpected error occurred; it has been logged.')
    })

    app.setNotFoundHandler((request, reply) =>
      sendProblem(reply, request, 404, 'ROUTE_NOT_FOUND', 'No such route', `${request.method} ${request.url.split('?')[0] ?? ''} does not exist`),
    )
  },
  { name: 'errors' },
)
