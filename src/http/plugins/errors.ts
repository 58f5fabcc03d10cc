/**
 * Every error leaves as RFC 9457 problem+json. Domain errors map to a status by their kind
 * (the only place that knows HTTP statuses); input errors carry every issue so the client
 * can fix them all; 5xx details stay in the log, never in the response.
 */
import fp from 'fastify-plugin'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { ErrorCodes, isDomainError, type ErrorKind, type Issue } from '../../domain/errors.js'

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

/**
 * The SQLSTATE of a database error, looked for along the cause chain (drizzle wraps the
 * driver's error; postgres.js and PGlite both give `code` and `severity`).
 */
export function sqlStateOf(error: unknown): { state: string; message: string } | null {
  let e: unknown = error
  for (let depth = 0; depth < 5 && typeof e === 'object' && e !== null; depth++) {
    const candidate = e as { code?: unknown; severity?: unknown; message?: unknown; cause?: unknown }
    if (typeof candidate.code === 'string' && /^[0-9A-Z]{5}$/.test(candidate.code) && typeof candidate.severity === 'string')
      return { state: candidate.code, message: typeof candidate.message === 'string' ? candidate.message : '' }
    e = candidate.cause
  }
  return null
}

/** Errors the router raises before any route runs: an undecodable URL, an over-long parameter. */
export function frameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode ?? 500
  if (status >= 500) {
    request.log.error({ err: error }, 'router error')
    void sendProblem(reply, request, 500, 'INTERNAL', '服务器内部错误', '发生了意外错误，已记录日志，请联系系统管理员。')
    return
  }
  void sendProblem(reply, request, status, 'BAD_URL', '网址无法识别', error.message)
}

/** Fastify's own client errors, by their codes. */
const FASTIFY_CLIENT_ERRORS: Record<string, { code: string; title: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'BODY_TOO_LARGE', title: '请求内容过大' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE', title: '不支持的内容类型' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'MALFORMED_BODY', title: '请求内容为空' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'MALFORMED_BODY', title: '请求内容不是有效的 JSON' },
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
        return sendProblem(reply, request, 400, 'VALIDATION_FAILED', '输入有误', `${issues.length} problem(s) in the request`, issues)
      }
      // A safety net behind validation, not instead of it: a value the database refuses as
      // data (SQLSTATE class 22: bad text representation, a character it cannot store, a number
      // or date out of range) came from the client; a unique violation that reaches this far is a
      // race between two writers of the same row. Both are logged without a stack.
      const db = sqlStateOf(error)
      if (db?.state.startsWith('22')) {
        request.log.warn({ sqlState: db.state, dbMessage: db.message }, 'the database refused a value validation let through')
        return sendProblem(reply, request, 400, 'INVALID_VALUE', ErrorCodes.INVALID_VALUE.title, `a value in the request cannot be stored: ${db.message}`)
      }
      if (db?.state === '23505') {
        request.log.warn({ sqlState: db.state, dbMessage: db.message }, 'unique violation: a concurrent write of the same row')
        return sendProblem(reply, request, 409, 'CONFLICT', ErrorCodes.CONFLICT.title, 'another request stored the same item at the same time; read it back, or send the request again')
      }
      const known = error.code ? FASTIFY_CLIENT_ERRORS[error.code] : undefined
      if (known) return sendProblem(reply, request, error.statusCode ?? 400, known.code, known.title, error.message)
      if (error instanceof SyntaxError || (error.statusCode !== undefined && error.statusCode < 500)) {
        return sendProblem(reply, request, error.statusCode ?? 400, 'BAD_REQUEST', '请求无法处理', error.message)
      }
      request.log.error({ err: error }, 'unhandled error')
      return sendProblem(reply, request, 500, 'INTERNAL', '服务器内部错误', '发生了意外错误，已记录日志，请联系系统管理员。')
    })

    app.setNotFoundHandler((request, reply) =>
      sendProblem(reply, request, 404, 'ROUTE_NOT_FOUND', '接口不存在', `${request.method} ${request.url.split('?')[0] ?? ''} does not exist`),
    )
  },
  { name: 'errors' },
)
