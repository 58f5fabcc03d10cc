/**
 * Liveness and readiness, for a process supervisor or a load balancer. /healthz answers while
 * the process does and touches nothing else (restart the process when it fails); /readyz says
 * whether to send it requests: the database answers, its migrations are current and the audit
 * chain's head is consistent, or a 503 problem with a stable code (DATABASE_UNAVAILABLE,
 * MIGRATIONS_PENDING, AUDIT_CHAIN_BROKEN).
 */
import type { FastifyPluginAsyncTypebox as FastifyPluginAsync } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { readiness } from '../../services/health.js'
import { problems } from '../schemas.js'

const health: FastifyPluginAsync = async (app) => {
  app.get(
    '/healthz',
    {
      config: { access: 'public' },
      schema: {
        summary: 'Liveness: the process answers (the database is not consulted)',
        tags: ['system'],
        security: [],
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  )

  app.get(
    '/readyz',
    {
      config: { access: 'public' },
      schema: {
        summary: 'Readiness: the database answers, its migrations are current, the audit chain head is consistent',
        tags: ['system'],
        security: [],
        response: {
          200: Type.Object({ status: Type.Literal('ok'), database: Type.Literal('ok'), migrations: Type.Literal('current'), audit: Type.Literal('consistent'), engine: Type.String() }),
          ...problems(503),
        },
      },
    },
    async () => ({ ...(await readiness(app.db)), engine: app.database.engine }),
  )
}

export default health
