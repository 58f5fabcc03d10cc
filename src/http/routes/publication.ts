/**
 * Publication over HTTP: publish and correct (the civility office, role admin), the published
 * revisions and their documents (office and leaders), and the public page of a published
 * revision, readable without a token. Unpublished rounds are not reachable on the public routes.
 */
import type { FastifyPluginAsyncTypebox as FastifyPluginAsync } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import Type from 'typebox'
import { MAX_REPLICATES } from '../../domain/credibility/index.js'
import { SETTLE_MAX_VISITS } from '../../domain/credibility/settle.js'
import { DomainError } from '../../domain/errors.js'
import { isReportFormat, renderReport, reportFileName, REPORT_FORMATS, REPORT_MEDIA_TYPES } from '../../reports/render.js'
import { correctRound, publicationList, publishRound, reportInput } from '../../services/publication.js'
import { actorOf } from '../actor.js'
import { problems } from '../schemas.js'
import { Code, REASON_MAX, Revision, RoundParams } from '../params.js'

const Params = RoundParams
const RevisionQuery = Type.Object({ revision: Type.Optional(Revision) })

const publication: FastifyPluginAsync = async (app) => {
  app.post(
    '/api/v1/rounds/:code/publish',
    {
      config: { access: ['admin'] },
      schema: {
        summary: 'Publish a reviewed round (review → published): hashed snapshot with credibility, transfers posted to the ledger',
        tags: ['publication'],
        params: Params,
        body: Type.Optional(
          Type.Object(
            { replicates: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_REPLICATES })), settleVisits: Type.Optional(Type.Integer({ minimum: 1, maximum: SETTLE_MAX_VISITS })) },
            { additionalProperties: false },
          ),
        ),
        response: {
          200: Type.Object({ round: Type.String(), revision: Type.Integer(), hash: Type.String(), publishedAt: Type.String(), reason: Type.Union([Type.String(), Type.Null()]), transfers: Type.Integer() }),
          ...problems(400, 401, 403, 404, 409, 503),
        },
      },
    },
    async (request) =>
      publishRound(app.db, request.params.code, actorOf(request), {
        ...(request.body?.replicates !== undefined ? { replicates: request.body.replicates } : {}),
        ...(request.body?.settleVisits !== undefined ? { settleVisits: request.body.settleVisits } : {}),
      }),
  )

  app.post(
    '/api/v1/rounds/:code/correct',
    {
      config: { access: ['admin'] },
      schema: {
        summary: 'Reopen a published round for a correction (published → review); the next publish is the next revision',
        tags: ['publication'],
        params: Params,
        body: Type.Object({ reason: Type.String({ minLength: 1, maxLength: REASON_MAX }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ round: Type.String(), status: Type.String(), reason: Type.String(), revision: Type.Integer() }), ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) => correctRound(app.db, request.params.code, request.body.reason, actorOf(request)),
  )

  app.get(
    '/api/v1/rounds/:code/publications',
    {
      config: { access: ['admin', 'leader', 'reviewer'] },
      schema: {
        summary: 'The published revisions of a round with their hashes and correction reasons',
        tags: ['publication'],
        params: Params,
        response: {
          200: Type.Array(Type.Object({ revision: Type.Integer(), reason: Type.Union([Type.String(), Type.Null()]), hash: Type.String(), publishedAt: Type.String() })),
          ...problems(400, 401, 403, 404),
        },
      },
    },
    async (request) => publicationList(app.db, request.params.code),
  )

  app.get(
    '/api/v1/rounds/:code/report/:format',
    {
      config: { access: ['admin', 'leader'] },
      schema: {
        summary: `A published revision as a document: ${REPORT_FORMATS.join(', ')} (the latest revision unless ?revision=n)`,
        tags: ['publication'],
        params: Type.Object({ code: Code, format: Type.String({ pattern: '^[a-z0-9]+$', maxLength: 16 }) }),
        querystring: RevisionQuery,
        response: { 200: Type.Unknown({ description: 'the document' }), ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { code, format } = request.params
      if (!isReportFormat(format)) throw new DomainError('NOT_FOUND', `no report format ${format}; use one of ${REPORT_FORMATS.join(', ')}`)
      const input = await reportInput(app.db, code, request.query.revision ?? null)
      const body = await renderReport(input, format)
      const disposition = format === 'html' || format === 'json' ? 'inline' : 'attachment'
      return reply
        .type(REPORT_MEDIA_TYPES[format])
        .header('content-disposition', `${disposition}; filename="${encodeURIComponent(reportFileName(input, format))}"`)
        .header('x-snapshot-sha256', input.hash)
        .send(body)
    },
  )

  // The public page: no token. Only published revisions exist here.
  const publicPage = async (code: string, revision: number | null, reply: FastifyReply) => {
    const input = await reportInput(app.db, code, revision, { detail: false })
    const html = await renderReport(input, 'html')
    return reply.type(REPORT_MEDIA_TYPES.html).header('x-snapshot-sha256', input.hash).header('cache-control', 'public, max-age=300').send(html)
  }
  app.get(
    '/public/rounds/:code',
    { config: { access: 'public' }, schema: { summary: 'Public notice page of the latest published revision', tags: ['public'], params: Params } },
    async (request, reply) => publicPage(request.params.code, null, reply),
  )
  app.get(
    '/public/rounds/:code/revisions/:revision',
    {
      config: { access: 'public' },
      schema: { summary: 'Public notice page of one published revision', tags: ['public'], params: Type.Object({ code: Code, revision: Revision }) },
    },
    async (request, reply) => publicPage(request.params.code, request.params.revision, reply),
  )
}

export default publication
