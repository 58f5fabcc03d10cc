/**
 * The server entry: build the app, load the bundled indicator sets, create the first admin on
 * an empty database (its token is printed once), listen, and shut down cleanly on SIGINT or
 * SIGTERM (requests finish, the database closes).
 */
import type { FastifyInstance } from 'fastify'
import type { Config } from '../config.js'
import { readBundledSets, seedIndicatorSets, type BundledSet } from '../services/seed.js'
import { ensureFirstAdmin } from '../services/users.js'
import { buildApp } from './app.js'

export async function startServer(config: Config, out: NodeJS.WritableStream = process.stdout): Promise<FastifyInstance> {
  const building = buildApp({ config })
  // Validating the bundled sets is CPU work; it runs while the database opens.
  let bundled: BundledSet[] = []
  try {
    bundled = config.seedSets ? readBundledSets() : []
  } finally {
    if (bundled.length === 0 && config.seedSets) void building.catch(() => undefined)
  }
  const app = await building
  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) {
      app.log.warn('second signal: exiting now')
      process.exit(1)
    }
    stopping = true
    app.log.info({ signal }, 'shutting down')
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.once('SIGINT', () => stop('SIGINT'))
  process.once('SIGTERM', () => stop('SIGTERM'))
  try {
    if (config.seedSets) {
      for (const r of await seedIndicatorSets(app.db, bundled)) {
        if (r.outcome === 'skipped') app.log.warn({ file: r.file, reason: r.reason }, 'bundled indicator set not loaded')
        else app.log.info({ set: r.ref, outcome: r.outcome }, 'bundled indicator set')
      }
    }
    const token = await ensureFirstAdmin(app.db)
    if (token) {
      out.write(
        `\nNo users yet: created the administrator 系统管理员.\n  token: ${token}\n` +
          'It is shown only this once; keep it safe. Create more users with `civindex users add --name N --role R`.\n\n',
      )
    }
    const address = await app.listen({ port: config.port, host: config.host })
    app.log.info({ address, engine: app.database.engine, startupMs: Math.round(process.uptime() * 1000) }, 'civindex is serving; API docs at /docs')
  } catch (error) {
    await app.close()
    throw error
  }

  return app
}
