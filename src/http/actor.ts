import type { FastifyRequest } from 'fastify'
import type { Actor } from '../db/queries/audit.js'

export function actorOf(request: FastifyRequest): Actor {
  return request.user ? { id: request.user.id, name: `${request.user.role}:${request.user.name}` } : { id: null, name: 'anonymous' }
}
