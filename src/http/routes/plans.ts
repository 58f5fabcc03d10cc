/**
 * Planning the sample and settling the last place (SPEC §5) over HTTP: the plan of a round
 * (read like the ranking: office, leaders, reviewers), and the settle plans the office accepts
 * (accepting is a change: admin only) with their progress.
 */
import type { FastifyPluginAsyncTypebox as FastifyPluginAsync } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { MAX_REPLICATES } from '../../domain/credibility/index.js'
import { SETTLE_MAX_VISITS } from '../../domain/credibility/settle.js'
import { MAX_VISITS_PER_POINT, planForRound, StatedPriorSchema, type PlanParameters } from '../../services/plan.js'
import { acceptSettlePlan, listRoundSettlePlans } from '../../services/settle.js'
import { DEFAULT_MAX_QUEUED } from '../../services/credibility-pool.js'
import { actorOf } from '../actor.js'
import { Code, RoundParams } from '../params.js'
import { AcceptedSettlePlanSchema, problems, RoundPlanSchema } from '../schemas.js'

const READERS = ['admin', 'leader', 'reviewer'] as const

const PlanFields = {
  margin: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 100, description: 'Δ, the true margin between the last and the next unit to resolve, points of the total (default 1)' })),
  confidence: Type.Optional(Type.Number({ exclusiveMinimum: 0.5, exclusiveMaximum: 1, description: "c, the confidence gate to open (default: the round's highest minConfidence, else 0.9)" })),
  power: Type.Optional(Type.Number({ exclusiveMinimum: 0.5, exclusiveMaximum: 1, description: 'π, the probability that the gate opens when the true margin is Δ (default 0.8)' })),
  visitsPerPoint: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_VISITS_PER_POINT, description: 'visits per sampled point (default 1)' })),
}

const planParameters = (p: { margin?: number; confidence?: number; power?: number; visitsPerPoint?: number; from?: string }): PlanParameters => ({
  ...(p.margin !== undefined ? { margin: p.margin } : {}),
  ...(p.confidence !== undefined ? { confidence: p.confidence } : {}),
  ...(p.power !== undefined ? { power: p.power } : {}),
  ...(p.visitsPerPoint !== undefined ? { visitsPerPoint: p.visitsPerPoint } : {}),
  ...(p.from !== undefined ? { from: p.from } : {}),
})

const BASIS =
  `The sampling error comes from the round named by \`from\`, else from the previous round of the series that has visits; without either the answer is 409 PLAN_NO_BASIS (POST a stated prior instead). It is learnt in the credibility worker pool: when all workers are busy and ${DEFAULT_MAX_QUEUED} analyses wait, the answer is 503 CREDIBILITY_BUSY.`

const plans: FastifyPluginAsync = async (app) => {
  app.get(
    '/api/v1/rounds/:code/plan',
    {
      config: { access: READERS },
      schema: {
        summary: 'Plan the sample of a round: points per type each unit needs to resolve a margin Δ at the bottom',
        description: `Neyman allocation over point types (src/domain/credibility/plan.ts). ${BASIS}`,
        tags: ['credibility'],
        params: RoundParams,
        querystring: Type.Object({ ...PlanFields, from: Type.Optional(Code) }),
        response: { 200: RoundPlanSchema, ...problems(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request) => planForRound(app.db, request.params.code, planParameters(request.query)),
  )

  app.post(
    '/api/v1/rounds/:code/plan',
    {
      config: { access: READERS },
      schema: {
        summary: 'Plan the sample of a round from a stated prior of the sampling error',
        description:
          'The same plan as GET, with the sampling error stated: per point type the standard deviations between points and within a point (between visits), in points of the total, and optionally the spread of true totals in a group. The stated prior is taken over any earlier round. Nothing is stored.',
        tags: ['credibility'],
        params: RoundParams,
        body: Type.Object({ ...PlanFields, prior: StatedPriorSchema }, { additionalProperties: false }),
        response: { 200: RoundPlanSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) => planForRound(app.db, request.params.code, { ...planParameters(request.body), prior: request.body.prior }),
  )

  app.post(
    '/api/v1/rounds/:code/groups/:group/settle-plan',
    {
      config: { access: ['admin'] },
      schema: {
        summary: "Accept the group's settle recommendation: the extra visits that would settle its last place",
        description: `The recommendation is computed again now on the server (the credibility analysis with the settle plan, B = replicates, default 1000, at most ${MAX_REPLICATES}; settleVisits extra visits, 1 to ${SETTLE_MAX_VISITS}, default the fewest that reach the target) and stored as accepted; earlier open plans of the group are closed. 409 when the round is a draft or published, when the last place is already settled (LAST_PLACE_SETTLED) or when no extra visits could settle it (SETTLE_NOT_POSSIBLE). In review the answer says that fieldwork must be reopened before the visits can be entered (entryOpen false). The analysis runs in a worker thread; when all workers are busy and ${DEFAULT_MAX_QUEUED} analyses wait, the answer is 503 CREDIBILITY_BUSY.`,
        tags: ['credibility'],
        params: Type.Object({ code: Code, group: Code }),
        body: Type.Optional(
          Type.Object(
            { replicates: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_REPLICATES })), settleVisits: Type.Optional(Type.Integer({ minimum: 1, maximum: SETTLE_MAX_VISITS })) },
            { additionalProperties: false },
          ),
        ),
        response: {
          201: Type.Intersect([
            AcceptedSettlePlanSchema,
            Type.Object({ entryOpen: Type.Boolean(), note: Type.Union([Type.String(), Type.Null()]), replaced: Type.Array(Type.Integer()) }),
          ]),
          ...problems(400, 401, 403, 404, 409, 503),
        },
      },
    },
    async (request, reply) => {
      const accepted = await acceptSettlePlan(app.db, request.params.code, request.params.group, actorOf(request), {
        ...(request.body?.replicates !== undefined ? { replicates: request.body.replicates } : {}),
        ...(request.body?.settleVisits !== undefined ? { settleVisits: request.body.settleVisits } : {}),
      })
      return reply.code(201).send(accepted)
    },
  )

  app.get(
    '/api/v1/rounds/:code/settle-plans',
    {
      config: { access: READERS },
      schema: {
        summary: 'The accepted settle plans of a round, oldest first, with their progress',
        description: 'For each planned (unit, point): the extra visits planned there and the visits recorded at that point since the plan was accepted.',
        tags: ['credibility'],
        params: RoundParams,
        response: { 200: Type.Array(AcceptedSettlePlanSchema), ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => listRoundSettlePlans(app.db, request.params.code),
  )
}

export default plans
