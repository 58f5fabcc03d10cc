import type { FastifyPluginAsyncTypebox as FastifyPluginAsync } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { editFinding, findingHistory, listFindings, reviewFinding } from '../../services/review.js'
import { getRound } from '../../services/rounds.js'
import { actorOf } from '../actor.js'
import { problems } from '../schemas.js'
import { Offset, RoundParams, Uuid } from '../params.js'
import { RECORD_BOUNDS as B } from '../../domain/records/bounds.js'

const Id = Type.Object({ id: Uuid })

const findingRoutes: FastifyPluginAsync = async (app) => {
  app.get(
    '/api/v1/rounds/:code/findings',
    {
      config: { access: ['admin', 'reviewer', 'leader', 'evaluator'] },
      schema: {
        summary: "A round's findings, newest first (an evaluator sees the ones it submitted)",
        tags: ['findings'],
        params: RoundParams,
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })), offset: Type.Optional(Offset) }),
        response: { 200: Type.Object({ total: Type.Integer(), items: Type.Array(Type.Unknown()) }), ...problems(401, 403, 404) },
      },
    },
    async (request) => {
      const round = await getRound(app.db, request.params.code)
      const mine = request.user?.role === 'evaluator' ? { createdBy: request.user.id } : {}
      return listFindings(app.db, round.id, { ...mine, limit: request.query.limit ?? 100, offset: request.query.offset ?? 0 })
    },
  )

  app.post(
    '/api/v1/findings/:id/review',
    {
      config: { access: ['reviewer', 'admin'] },
      schema: {
        summary: 'Accept or reject a finding, or undo the decision (round in review)',
        description: 'A rejection needs a reason. Rejected findings do not count in the scores.',
        tags: ['findings'],
        params: Id,
        body: Type.Object({ decision: Type.Union([Type.Literal('accept'), Type.Literal('reject'), Type.Literal('reset')]), reason: Type.Optional(Type.String({ maxLength: B.noteLength })) }, { additionalProperties: false }),
        response: { 200: Type.Object({ id: Type.String(), status: Type.String() }), ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) => reviewFinding(app.db, request.params.id, request.body.decision, request.body.reason ?? null, actorOf(request)),
  )

  app.patch(
    '/api/v1/findings/:id',
    {
      config: { access: ['evaluator', 'admin'] },
      schema: {
        summary: 'Correct a finding (round in fieldwork); the replaced content is kept as a version',
        tags: ['findings'],
        params: Id,
        body: Type.Object(
          {
            standard: Type.Optional(Type.String({ maxLength: B.codeLength })),
            count: Type.Optional(Type.Integer({ minimum: 1, maximum: B.maxCount })),
            deduction: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
            note: Type.Optional(Type.Union([Type.String({ maxLength: B.noteLength }), Type.Null()])),
            photos: Type.Optional(Type.Array(Type.String({ maxLength: 80 }), { maxItems: B.photosPerFinding })),
            reason: Type.Optional(Type.String({ maxLength: B.noteLength })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ id: Type.String(), version: Type.Integer(), changed: Type.Boolean() }), ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) => editFinding(app.db, request.params.id, request.body, { ...actorOf(request), role: request.user?.role ?? '' }),
  )

  app.get(
    '/api/v1/findings/:id/history',
    {
      config: { access: ['admin', 'reviewer', 'leader', 'evaluator'] },
      schema: { summary: "A finding's versions and review decisions", tags: ['findings'], params: Id, response: { 200: Type.Unknown(), ...problems(401, 403, 404) } },
    },
    async (request) => findingHistory(app.db, request.params.id),
  )
}

export default findingRoutes
