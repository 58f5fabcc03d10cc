/**
 * What the database is doing, for /metrics. Neither driver says how busy it is (postgres.js keeps
 * its connection queues to itself; PGlite is one in-process engine that runs one statement at a
 * time), so civindex counts at the drivers' public calls:
 *
 * - inFlight: statements and transactions started and not finished — waiting for the engine or a
 *   connection, or running. A transaction counts once for its whole length (it holds its
 *   connection); its statements do not count again. On PostgreSQL, more than the pool's 10 means
 *   requests are waiting for a connection; on PGlite, anything above 1 is waiting.
 * - connections (PostgreSQL): connections open, counted from the socket factory of client.ts.
 *
 * PGlite: query, exec and transaction are wrapped on the instance. postgres.js: begin, and unsafe —
 * what drizzle runs every statement outside a transaction through. A postgres.js query is lazy (it
 * runs when awaited), so it is counted when awaited, not when built.
 */
import type { PGlite } from '@electric-sql/pglite'
import type postgres from 'postgres'

export class DatabaseActivity {
  inFlight = 0
  /** Open connections to PostgreSQL; null on PGlite. */
  connections: number | null = null

  track<T>(promise: Promise<T>): Promise<T> {
    this.inFlight++
    return promise.finally(() => {
      this.inFlight--
    })
  }
}

export function trackPglite(client: PGlite, activity: DatabaseActivity): void {
  const query = client.query.bind(client)
  const exec = client.exec.bind(client)
  const transaction = client.transaction.bind(client)
  client.query = ((...args: Parameters<typeof query>) => activity.track(query(...args))) as typeof client.query
  client.exec = ((...args: Parameters<typeof exec>) => activity.track(exec(...args)))
  client.transaction = ((...args: Parameters<typeof transaction>) => activity.track(transaction(...args))) as typeof client.transaction
}

/** Counts a postgres.js query from the first time it is awaited until it settles. */
function countWhenAwaited<T extends PromiseLike<unknown>>(query: T, activity: DatabaseActivity): T {
  const then = query.then.bind(query)
  let counted = false
  const done = (): void => {
    activity.inFlight--
  }
  Object.defineProperty(query, 'then', {
    configurable: true,
    value: (onFulfilled?: (value: unknown) => unknown, onRejected?: (reason: unknown) => unknown) => {
      if (!counted) {
        counted = true
        activity.inFlight++
        void then(done, done)
      }
      return then(onFulfilled, onRejected)
    },
  })
  return query
}

export function trackPostgres(sql: postgres.Sql, activity: DatabaseActivity): void {
  activity.connections = 0
  const unsafe = sql.unsafe.bind(sql)
  const begin = sql.begin.bind(sql) as (...args: unknown[]) => Promise<unknown>
  sql.unsafe = ((...args: Parameters<typeof unsafe>) => countWhenAwaited(unsafe(...args), activity)) as typeof sql.unsafe
  sql.begin = ((...args: unknown[]) => activity.track(begin(...args))) as typeof sql.begin
}

/** Counts a socket of the connection pool as open until it closes. */
export function countConnection<S extends { once(event: 'close', listener: () => void): unknown }>(socket: S, activity: DatabaseActivity): S {
  activity.connections = (activity.connections ?? 0) + 1
  socket.once('close', () => {
    activity.connections = (activity.connections ?? 1) - 1
  })
  return socket
}
