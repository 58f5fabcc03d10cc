import type { FastifyPluginAsyncTypebox as FastifyPluginAsync } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { getRoundSummary, listRoundSummaries, loadRound, transitionRound } from '../../services/rounds.js'
import { importRecords } from '../../services/records.js'
import { computeRanking } from '../../services/scoring.js'
import { MAX_REPLICATES } from '../../domain/credibility/index.js'
import { SETTLE_MAX_VISITS } from '../../domain/credibility/settle.js'
import { DEFAULT_MAX_QUEUED } from '../../services/credibility-pool.js'
import { actorOf } from '../actor.js'
import { problems } from '../schemas.js'
import { RoundParams } from '../params.js'
import { parseRecords } from '../../domain/records/parse.js'
import { ALL_ROLES } from '../types.js'

const RoundSummarySchema = Type.Object({
  code: Type.String(),
  series: Type.String(),
  name: Type.String(),
  indicatorSet: Type.String(),
  period: Type.Object({ from: Type.String(), to: Type.String() }),
  evaluator: Type.String(),
  status: Type.String(),
  revision: Type.Integer(),
  groups: Type.Array(Type.Object({ code: Type.String(), name: Type.String(), units: Type.Integer() })),
  points: Type.Integer(),
})
const Params = RoundParams

/** Records per request of the batch API (SPEC §6.2); files imported by the CLI have no such cap. */
export const MAX_BATCH = 10_000

/** The round file arrives as YAML or JSON text, read without binary floats (like indicator sets). */
const roundFiles: FastifyPluginAsync = async (app) => {
  // Replaces the guarded JSON parser (plugins/input-guard.ts) here: the round file's reader checks its own text.
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser(['application/json', 'application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain'], { parseAs: 'string' }, (_req, body, done) => {
    done(null, body)
  })
  app.post(
    '/api/v1/rounds',
    {
      config: { access: ['admin'] },
      schema: {
        summary: 'Load a round file (YAML or JSON body, SPEC §6.1)',
        description: 'Creates the round with its groups, units and points. Reloading identical content is a no-op; a draft round without data may be changed; otherwise 409.',
        tags: ['rounds'],
        consumes: ['application/yaml', 'application/json'],
        response: { 200: Type.Object({ status: Type.String(), round: RoundSummarySchema }), 201: Type.Object({ status: Type.String(), round: RoundSummarySchema }), ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const result = await loadRound(app.db, typeof request.body === 'string' ? request.body : '', actorOf(request))
      return reply.code(result.status === 'created' ? 201 : 200).send(result)
    },
  )
}

const rounds: FastifyPluginAsync = async (app) => {
  await app.register(roundFiles)

  app.get(
    '/api/v1/rounds',
    { config: { access: ALL_ROLES }, schema: { summary: 'List rounds', tags: ['rounds'], response: { 200: Type.Array(RoundSummarySchema), ...problems(401, 403) } } },
    async () => listRoundSummaries(app.db),
  )

  app.get(
    '/api/v1/rounds/:code',
    { config: { access: ALL_ROLES }, schema: { summary: 'One round', tags: ['rounds'], params: Params, response: { 200: RoundSummarySchema, ...problems(400, 401, 403, 404) } } },
    async (request) => getRoundSummary(app.db, request.params.code),
  )

  for (const transition of ['open', 'close'] as const) {
    app.post(
      `/api/v1/rounds/:code/${transition}`,
      {
        config: { access: ['admin'] },
        schema: {
          summary: transition === 'open' ? 'Start fieldwork (draft → fieldwork, or review → fieldwork)' : 'End fieldwork, start review (fieldwork → review)',
          tags: ['rounds'],
          params: Params,
          response: { 200: RoundSummarySchema, ...problems(400, 401, 403, 404, 409) },
        },
      },
      async (request) => transitionRound(app.db, request.params.code, transition, actorOf(request)),
    )
  }

  app.post(
    '/api/v1/rounds/:code/records',
    {
      config: { access: ['admin', 'evaluator'] },
      schema: {
        summary: 'Add a batch of records (visits, findings, externalScores, measures, directScores)',
        description:
          'All or nothing: any bad record rejects the batch with every problem listed (index, field, reason). Visits and findings carry client-generated UUIDs; resending the same record is a no-op, the same id with other content is 409.',
        tags: ['rounds'],
        params: Params,
        // Shape only for the documentation: the record validator reports every problem of the
        // batch at once (an unknown kind together with bad rows), which a strict schema would cut short.
        body: Type.Object(
          {
            visits: Type.Optional(Type.Array(Type.Unknown())),
            findings: Type.Optional(Type.Array(Type.Unknown())),
            externalScores: Type.Optional(Type.Array(Type.Unknown())),
            measures: Type.Optional(Type.Array(Type.Unknown())),
            directScores: Type.Optional(Type.Array(Type.Unknown())),
          },
          { additionalProperties: true },
        ),
        response: {
          200: Type.Object({
            round: Type.String(),
            visits: Type.Object({ added: Type.Integer(), unchanged: Type.Integer() }),
            findings: Type.Object({ added: Type.Integer(), unchanged: Type.Integer() }),
            externalScores: Type.Integer(),
            measures: Type.Integer(),
            directScores: Type.Integer(),
          }),
          ...problems(400, 401, 403, 404, 409, 413),
        },
      },
    },
    // The batch is read here, once, against the record bounds; the service gets typed records.
    async (request) => importRecords(app.db, request.params.code, parseRecords(request.body, { maxRecords: MAX_BATCH }), actorOf(request)),
  )

  app.get(
    '/api/v1/rounds/:code/ranking',
    {
      config: { access: ['admin', 'leader', 'reviewer'] },
      schema: {
        summary: 'The round ranking computed now (SPEC §4.5), with transfers, lists and duties',
        tags: ['rounds'],
        description: `With ?credibility=true the ranking carries the credibility analysis of SPEC §5 (bootstrap intervals, P(first), P(last), weight sensitivity, dominance, the settle recommendation); replicates sets B (default 1000, at most ${MAX_REPLICATES}); settleVisits sets how many extra visits the settle recommendation proposes (1 to ${SETTLE_MAX_VISITS}; default the fewest that reach the target). The analysis runs in a worker thread; when all workers are busy and ${DEFAULT_MAX_QUEUED} analyses wait, the answer is 503 CREDIBILITY_BUSY.`,
        params: Params,
        querystring: Type.Object({
          credibility: Type.Optional(Type.Boolean()),
          replicates: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_REPLICATES })),
          settleVisits: Type.Optional(Type.Integer({ minimum: 1, maximum: SETTLE_MAX_VISITS })),
        }),
        response: { 200: Type.Unknown({ description: 'SPEC §4.5 ranking' }), ...problems(400, 401, 403, 404, 503) },
      },
    },
    async (request) =>
      computeRanking(app.db, request.params.code, {
        credibility: request.query.credibility === true,
        ...(request.query.replicates !== undefined ? { replicates: request.query.replicates } : {}),
        ...(request.query.settleVisits !== undefined ? { settleVisits: request.query.settleVisits } : {}),
      }),
  )
}

export default rounds
