import type { FastifyPluginAsyncTypebox as FastifyPluginAsync } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { ROLES } from '../../db/schema/index.js'
import { createUser, listUsers } from '../../services/users.js'
import { actorOf } from '../actor.js'
import { problems } from '../schemas.js'
import { Code, NAME_MAX } from '../params.js'
import { ALL_ROLES } from '../types.js'

const RoleSchema = Type.Union(ROLES.map((r) => Type.Literal(r)))

const users: FastifyPluginAsync = async (app) => {
  app.get(
    '/api/v1/me',
    {
      config: { access: ALL_ROLES },
      schema: {
        summary: 'Who the token belongs to',
        tags: ['users'],
        response: { 200: Type.Object({ id: Type.Integer(), name: Type.String(), role: Type.String(), unit: Type.Union([Type.String(), Type.Null()]) }), ...problems(401) },
      },
    },
    async (request) => {
      const user = request.user!
      return { id: user.id, name: user.name, role: user.role, unit: user.unitCode }
    },
  )

  app.get(
    '/api/v1/users',
    {
      config: { access: ['admin'] },
      schema: {
        summary: 'List users (tokens are never shown again)',
        tags: ['users'],
        response: {
          200: Type.Array(Type.Object({ id: Type.Integer(), name: Type.String(), role: Type.String(), unit: Type.Union([Type.String(), Type.Null()]), disabled: Type.Boolean(), createdAt: Type.String() })),
          ...problems(401, 403),
        },
      },
    },
    async () => (await listUsers(app.db)).map((u) => ({ id: u.id, name: u.name, role: u.role, unit: u.unitCode, disabled: u.disabled, createdAt: u.createdAt.toISOString() })),
  )

  app.post(
    '/api/v1/users',
    {
      config: { access: ['admin'] },
      schema: {
        summary: 'Create a user and return its token (shown once)',
        tags: ['users'],
        body: Type.Object({ name: Type.String({ minLength: 1, maxLength: NAME_MAX }), role: RoleSchema, unit: Type.Optional(Code) }, { additionalProperties: false }),
        response: { 201: Type.Object({ id: Type.Integer(), name: Type.String(), role: Type.String(), token: Type.String() }), ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const created = await createUser(app.db, request.body, actorOf(request))
      return reply.code(201).send(created)
    },
  )
}

export default users
