/**
 * Bearer-token authentication and role checks. Every route under /api declares who may call
 * it (`config.access`): a list of roles, or 'public'. A route that forgets is refused at
 * start-up, so no endpoint can be open by omission. No token → 401; wrong role → 403.
 */
import fp from 'fastify-plugin'
import { DomainError } from '../../domain/errors.js'
import { authenticate } from '../../services/users.js'
import type { RouteAccess } from '../types.js'

export default fp(
  async (app) => {
    app.decorateRequest('user', null)
    const table: RouteAccess[] = []
    app.decorate('routeAccess', table)

    app.addHook('onRoute', (route) => {
      if (!route.url.startsWith('/api/')) return
      const access = route.config?.access
      if (access === undefined) throw new Error(`route ${String(route.method)} ${route.url} does not declare config.access`)
      for (const method of [route.method].flat()) if (method !== 'HEAD') table.push({ method, url: route.url, access })
    })

    app.addHook('onRequest', async (request) => {
      const access = request.routeOptions.config.access
      if (access === undefined || access === 'public') return
      const header = request.headers.authorization
      const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null
      if (!match?.[1]) throw new DomainError('UNAUTHORIZED', 'send "Authorization: Bearer <token>"')
      const user = await authenticate(app.db, match[1])
      if (!user) throw new DomainError('UNAUTHORIZED', 'the token is unknown or disabled')
      if (!access.includes(user.role)) throw new DomainError('FORBIDDEN', `this needs one of the roles ${access.join(', ')}; you are ${user.role}`)
      request.user = user
    })
  },
  { name: 'auth', dependencies: ['database', 'errors'] },
)
