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
  const opened = process.uptime()
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
    const seeded = process.uptime()
    const token = await ensureFirstAdmin(app.db)
    if (token) {
      out.write(
        `\nNo users yet: created the administrator 系统管理员.\n  token: ${token}\n` +
          'It is shown only this once; keep it safe. Create more users with `civindex users add --name N --role R`.\n\n',
      )
    }
    const address = await app.listen({ port: config.port, host: config.host })
    const ms = (seconds: number): number => Math.round(seconds * 1000)
    app.log.info(
      { address, engine: app.database.engine, startupMs: ms(process.uptime()), phasesMs: { loadAndOpen: ms(opened), seed: ms(seeded - opened), adminAndListen: ms(process.uptime() - seeded) } },
      'civindex is serving; API docs at /docs',
    )
  } catch (error) {
    await app.close()
    throw error
  }

  return app
}
