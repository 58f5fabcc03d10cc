/**
 * Builds the whole application without listening, so tests use `app.inject()` and the server
 * entry (server.ts) only adds `listen` and signal handling.
 */
import Fastify, { type FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { typeboxValidatorCompiler } from './validator.js'
import type { Config } from '../config.js'
import type { DatabaseHandle } from '../db/client.js'
import errors, { frameworkError } from './plugins/errors.js'
import inputGuard from './plugins/input-guard.js'
import database from './plugins/database.js'
import auth from './plugins/auth.js'
import metrics from './plugins/metrics.js'
import docs from './plugins/docs.js'
import health from './routes/health.js'
import admin from './routes/admin.js'
import indicatorSets from './routes/indicator-sets.js'
import users from './routes/users.js'
import rounds from './routes/rounds.js'
import photos from './routes/photos.js'
import findingRoutes from './routes/findings.js'
import workbooks from './routes/workbooks.js'
import publication from './routes/publication.js'
import plans from './routes/plans.js'
import './types.js'

export interface BuildOptions {
  config: Config
  /** An open database to use instead of opening one from the config (tests). */
  database?: DatabaseHandle
  /** Log requests (default: by config.logLevel). */
  logger?: boolean
  /** Where the log goes (default: stdout); tests read it. */
  logStream?: NodeJS.WritableStream
}

export async function buildApp(options: BuildOptions): Promise<FastifyInstance> {
  const { config } = options
  const app = Fastify({
    logger: options.logger === false ? false : { level: config.logLevel, redact: ['req.headers.authorization'], ...(options.logStream ? { stream: options.logStream } : {}) },
    bodyLimit: config.bodyLimit,
    frameworkErrors: frameworkError,
    ajv: { customOptions: { allErrors: true } },
  }).withTypeProvider<TypeBoxTypeProvider>()
  app.setValidatorCompiler(typeboxValidatorCompiler)

  await app.register(
    fp(
      async (instance) => {
        instance.decorate('config', config)
      },
      { name: 'config' },
    ),
  )
  await app.register(errors)
  await app.register(inputGuard)
  await app.register(database, options.database ? { database: options.database } : {})
  // Before auth and the routes: its hooks time every request, refused ones included.
  await app.register(metrics)
  await app.register(auth)
  await app.register(docs)
  await app.register(health)
  await app.register(admin)
  await app.register(users)
  await app.register(indicatorSets)
  await app.register(rounds)
  await app.register(photos)
  await app.register(findingRoutes)
  await app.register(workbooks)
  await app.register(publication)
  await app.register(plans)
  await app.ready()
  return app
}
