import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ALL_ROLES } from '../../src/http/types.js'
import { bearer, createTestApp, type TestApp } from '../helpers/app.js'

let t: TestApp
beforeAll(async () => {
  t = await createTestApp()
})
afterAll(async () => t?.close())

/** A concrete URL for a route pattern: parameters filled with placeholder values. */
const concrete = (url: string): string => url.replace(/:([A-Za-z]+)/g, 'x')

describe('every /api route declares its roles and enforces them', () => {
  it('has routes to check', () => {
    expect(t.app.routeAccess.length).toBeGreaterThanOrEqual(5)
    expect(t.app.routeAccess.every((r) => r.access === 'public' || r.access.length > 0)).toBe(true)
  })

  it('answers 401 problem+json without a token, and with an unknown one', async () => {
    for (const route of t.app.routeAccess.filter((r) => r.access !== 'public')) {
      for (const headers of [{}, bearer('civ_not-a-real-token'), { authorization: 'Basic abc' }]) {
        const res = await t.app.inject({ method: route.method as 'GET', url: concrete(route.url), headers })
        expect(res.statusCode, `${route.method} ${route.url}`).toBe(401)
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
        expect(res.headers['www-authenticate']).toMatch(/^Bearer/)
        expect(res.json()).toMatchObject({ status: 401, code: 'UNAUTHORIZED', type: 'urn:civindex:problem:UNAUTHORIZED' })
      }
    }
  })

  it('answers 403 for every role the route does not allow', async () => {
    let checked = 0
    for (const route of t.app.routeAccess) {
      if (route.access === 'public') continue
      for (const role of ALL_ROLES.filter((r) => !(route.access as readonly string[]).includes(r))) {
        const res = await t.app.inject({ method: route.method as 'GET', url: concrete(route.url), headers: bearer(t.tokens[role]) })
        expect(res.statusCode, `${role} on ${route.method} ${route.url}`).toBe(403)
        expect(res.json()).toMatchObject({ code: 'FORBIDDEN' })
        checked++
      }
    }
    expect(checked).toBeGreaterThan(0)
  })

  it('lets each allowed role past the check', async () => {
    for (const route of t.app.routeAccess.filter((r) => r.method === 'GET' && r.access !== 'public')) {
      for (const role of route.access as readonly (keyof typeof t.tokens)[]) {
        const res = await t.app.inject({ method: 'GET', url: concrete(route.url), headers: bearer(t.tokens[role]) })
        expect([401, 403], `${role} on GET ${route.url}`).not.toContain(res.statusCode)
      }
    }
  })

  it('refuses to start when a route forgets to declare access', async () => {
    const Fastify = (await import('fastify')).default
    const auth = (await import('../../src/http/plugins/auth.js')).default
    const errors = (await import('../../src/http/plugins/errors.js')).default
    const fp = (await import('fastify-plugin')).default
    const app = Fastify({ logger: false })
    await app.register(
      fp(
        async (i) => {
          i.decorate('db', t.database.handle.db)
        },
        { name: 'database' },
      ),
    )
    await app.register(errors)
    await app.register(auth)
    expect(() => app.get('/api/v1/forgotten', async () => 'open')).toThrow(/does not declare config.access/)
    expect(() => app.get('/api/v1/declared', { config: { access: 'public' } }, async () => 'open')).not.toThrow()
    await app.close()
  })

  it('disables a token when its user is disabled', async () => {
    const { users } = await import('../../src/db/schema/index.js')
    const { eq } = await import('drizzle-orm')
    const { createUser } = await import('../../src/services/users.js')
    const made = await createUser(t.database.handle.db, { name: '临时', role: 'leader' }, { id: null, name: 'test' })
    const before = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(made.token) })
    expect(before.statusCode).toBe(200)
    await t.database.handle.db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, made.id))
    const after = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(made.token) })
    expect(after.statusCode).toBe(401)
  })
})
