/**
 * Several `civindex serve` processes on one database, as behind a load balancer: each on a port
 * of its own on 127.0.0.1, all with the same DATABASE_URL. They start one after the other, so
 * the first alone migrates the database and creates the administrator (whose token it prints).
 * Used by the multi-server tests and the load benchmark.
 */
import net from 'node:net'
import { startCli, type LongRunning } from './process.js'

export interface Server {
  /** `http://127.0.0.1:<port>` */
  base: string
  process: LongRunning
}

/** A port free at the time of asking (the system's choice). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer()
    probe.unref()
    probe.on('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

/** Starts one server and waits until /healthz answers 200. */
export async function startServer(env: Record<string, string>, timeoutMs = 45_000): Promise<Server> {
  const port = await freePort()
  const process = startCli(['serve'], { LOG_LEVEL: 'warn', ...env, PORT: String(port), HOST: '127.0.0.1' })
  const base = `http://127.0.0.1:${port}`
  const deadline = performance.now() + timeoutMs
  for (;;) {
    const health = await fetch(`${base}/healthz`).catch(() => null)
    if (health?.status === 200) {
      await health.arrayBuffer()
      return { base, process }
    }
    if (process.child.exitCode !== null || process.child.signalCode !== null || performance.now() > deadline) {
      process.child.kill('SIGKILL')
      throw new Error(`civindex serve on port ${port} did not come up\nstdout:\n${process.stdout}\nstderr:\n${process.stderr}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/**
 * `count` servers on the database of `env` (a fresh one: the first server prints the
 * administrator's token, returned here).
 */
export async function startServers(count: number, env: Record<string, string>): Promise<{ servers: Server[]; adminToken: string }> {
  const first = await startServer(env)
  const [, adminToken] = await first.process.waitForStdout(/token: (civ_\S+)/, 5_000)
  const servers = [first]
  for (let i = 1; i < count; i++) servers.push(await startServer(env))
  return { servers, adminToken: adminToken! }
}

/** Stops servers with SIGTERM (requests finish, connections close) and waits for them. */
export async function stopServers(servers: Server[]): Promise<void> {
  await Promise.all(
    servers.map(async (s) => {
      if (s.process.child.exitCode !== null || s.process.child.signalCode !== null) return
      s.process.child.kill('SIGTERM')
      await s.process.exited(15_000)
    }),
  )
}
