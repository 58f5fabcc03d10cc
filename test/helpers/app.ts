import type { FastifyInstance } from 'fastify'
import { loadConfig } from '../../src/config.js'
import { buildApp } from '../../src/http/app.js'
import { createUser } from '../../src/services/users.js'
import type { Role } from '../../src/db/schema/index.js'
import { createTestDatabase, tempDir, type TestDatabase } from './db.js'

export interface TestApp {
  app: FastifyInstance
  database: TestDatabase
  /** A token for each role (the unit user belongs to a unit created for it). */
  tokens: Record<Role, string>
  close(): Promise<void>
}

export async function createTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const database = await createTestDatabase()
  const config = loadConfig({ CIVINDEX_DATA: tempDir(), LOG_LEVEL: 'silent', ...env })
  const app = await buildApp({ config, database: database.handle, logger: false })
  const db = database.handle.db
  const actor = { id: null, name: 'test' }
  const { units } = await import('../../src/db/schema/index.js')
  await db.insert(units).values({ code: 'test-unit', name: '测试区' })
  const tokens = {} as Record<Role, string>
  for (const role of ['admin', 'evaluator', 'reviewer', 'leader', 'unit'] as const) {
    tokens[role] = (await createUser(db, { name: `测试${role}`, role, unit: role === 'unit' ? 'test-unit' : null }, actor)).token
  }
  return {
    app,
    database,
    tokens,
    async close() {
      await app.close()
      await database.drop()
    },
  }
}

export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` })
