import type { FastifyPluginAsyncTypebox as FastifyPluginAsync } from '@fastify/type-provider-typebox'
import { sql } from 'drizzle-orm'
import Type from 'typebox'
import { sendProblem } from '../plugins/errors.js'

const health: FastifyPluginAsync = async (app) => {
  app.get(
    '/healthz',
    {
      config: { access: 'public' },
      schema: {
        summary: 'Liveness and database check',
        tags: ['system'],
        security: [],
        response: { 200: Type.Object({ status: Type.Literal('ok'), database: Type.Literal('ok'), engine: Type.String() }) },
      },
    },
    async (request, reply) => {
      try {
        await app.db.execute(sql`select 1`)
      } catch (error) {
        request.log.error({ err: error }, 'health check: database unreachable')
        return sendProblem(reply, request, 503, 'DATABASE_UNAVAILABLE', 'The database does not answer', 'the database check failed')
      }
      return { status: 'ok' as const, database: 'ok' as const, engine: app.database.engine }
    },
  )
}

export default health
