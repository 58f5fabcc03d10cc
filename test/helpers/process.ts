/**
 * Drives the real `civindex` command (node src/cli/civindex.js) as a child process, on a fresh
 * embedded data directory by default or on a fresh PostgreSQL database when TEST_DATABASE_URL
 * is set. Every child is tracked so afterEach/afterAll can kill what a failed test left running.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createPostgresDatabase, TEST_DATABASE_URL, tempDir } from './db.js'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const BIN = path.join(ROOT, 'src', 'cli', 'civindex.js')

/** A fresh database for child processes: its environment and how to remove it. */
export interface ChildDatabase {
  env: Record<string, string>
  /** The embedded data directory (null on PostgreSQL). */
  dataDir: string | null
  drop(): Promise<void>
}

export async function freshChildDatabase(): Promise<ChildDatabase> {
  if (TEST_DATABASE_URL) {
    const created = await createPostgresDatabase(TEST_DATABASE_URL)
    return { env: { DATABASE_URL: created.url }, dataDir: null, drop: () => created.dropDatabase() }
  }
  const dir = tempDir('civindex-cli-')
  const dataDir = path.join(dir, 'data')
  return {
    env: { CIVINDEX_DATA: dataDir },
    dataDir,
    async drop() {
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** The parent's environment without anything that would choose the database or the server set-up. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const name of ['DATABASE_URL', 'CIVINDEX_DATA', 'CIVINDEX_STORAGE', 'CIVINDEX_SEED_SETS', 'PORT', 'HOST', 'LOG_LEVEL']) delete env[name]
  return { ...env, ...extra }
}

const running = new Set<ChildProcess>()

/** Kills (SIGKILL) every child still running and waits until each is gone. */
export async function killChildren(): Promise<void> {
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) {
            running.delete(child)
            return resolve()
          }
          child.once('exit', () => resolve())
          child.kill('SIGKILL')
        }),
    ),
  )
  running.clear()
}

export interface RunResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Runs `civindex <args>` to completion (killed after timeoutMs). */
export function runCli(args: string[], env: Record<string, string>, timeoutMs = 30_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] })
    running.add(child)
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', (error) => {
      clearTimeout(timer)
      running.delete(child)
      reject(error)
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      running.delete(child)
      if (signal === 'SIGKILL') reject(new Error(`civindex ${args.join(' ')} timed out after ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`))
      else resolve({ code, signal, stdout, stderr })
    })
  })
}

/** A long-running `civindex` child (the server) whose output is collected as it comes. */
export interface LongRunning {
  child: ChildProcess
  readonly stdout: string
  readonly stderr: string
  /** Resolves with the match once stdout matches, rejects on exit or timeout. */
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>
  /** Resolves with the exit code and signal (immediately if it already exited). */
  exited(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

export function startCli(args: string[], env: Record<string, string>): LongRunning {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] })
  running.add(child)
  let stdout = ''
  let stderr = ''
  const listeners = new Set<() => void>()
  const notify = (): void => {
    for (const listener of [...listeners]) listener()
  }
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
    notify()
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
    notify()
  })
  let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null
  // 'close', not 'exit': by then every byte the child wrote has been read.
  child.on('close', (code, signal) => {
    exit = { code, signal }
    running.delete(child)
    notify()
  })
  const describe = (): string => `\nstdout:\n${stdout}\nstderr:\n${stderr}`

  return {
    child,
    get stdout() {
      return stdout
    },
    get stderr() {
      return stderr
    },
    waitForStdout(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const match = stdout.match(pattern)
          if (match) {
            done()
            resolve(match)
            return true
          }
          if (exit) {
            done()
            reject(new Error(`civindex ${args.join(' ')} exited (${exit.code ?? exit.signal}) before printing ${String(pattern)}${describe()}`))
            return true
          }
          return false
        }
        const timer = setTimeout(() => {
          done()
          reject(new Error(`no ${String(pattern)} from civindex ${args.join(' ')} within ${timeoutMs} ms${describe()}`))
        }, timeoutMs)
        const listener = (): void => void check()
        const done = (): void => {
          clearTimeout(timer)
          listeners.delete(listener)
        }
        listeners.add(listener)
        check()
      })
    },
    exited(timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        if (exit) return resolve(exit)
        const timer = setTimeout(() => {
          listeners.delete(listener)
          reject(new Error(`civindex ${args.join(' ')} did not exit within ${timeoutMs} ms${describe()}`))
        }, timeoutMs)
        const listener = (): void => {
          if (!exit) return
          clearTimeout(timer)
          listeners.delete(listener)
          resolve(exit)
        }
        listeners.add(listener)
      })
    },
  }
}
