import type { Config } from '../config.js'
import type { Database, DatabaseHandle } from '../db/client.js'
import type { Role } from '../db/schema/index.js'

export interface AuthUser {
  id: number
  name: string
  role: Role
  unitId: number | null
  unitCode: string | null
}

/** What a route allows: the roles listed, or anyone without a token. */
export type Access = readonly Role[] | 'public'

export interface RouteAccess {
  method: string
  url: string
  access: Access
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access
  }
  interface FastifyRequest {
    user: AuthUser | null
  }
  interface FastifyInstance {
    /** Who may call each /api route, as declared (tests walk it to prove 401 and 403). */
    routeAccess: RouteAccess[]
    config: Config
    database: DatabaseHandle
    db: Database
  }
}

export const ALL_ROLES: readonly Role[] = ['admin', 'evaluator', 'reviewer', 'leader', 'unit']
