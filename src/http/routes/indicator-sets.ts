import type { FastifyPluginAsyncTypebox as FastifyPluginAsync } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { getIndicatorSet, invalid, listIndicatorSets, loadIndicatorSet, validateIndicatorSet } from '../../services/indicator-sets.js'
import { actorOf } from '../actor.js'
import { problems } from '../schemas.js'
import { SetParams } from '../params.js'
import { ALL_ROLES } from '../types.js'

const SetSummarySchema = Type.Object({
  code: Type.String(),
  version: Type.String(),
  ref: Type.String({ description: 'code@version, as rounds refer to the set' }),
  name: Type.String(),
  naPolicy: Type.String(),
  contentHash: Type.String(),
  loadedAt: Type.String(),
  components: Type.Array(Type.Object({ code: Type.String(), name: Type.String(), weight: Type.String(), source: Type.String() })),
  indicators: Type.Integer(),
  standards: Type.Integer(),
})

const indicatorSets: FastifyPluginAsync = async (app) => {
  // The set arrives as YAML or JSON text and is read by the same decimal-preserving reader as
  // files: JSON numbers such as 0.85 must not pass through a binary float. It replaces the
  // guarded JSON parser (plugins/input-guard.ts): the set's reader checks its own text.
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser(['application/json', 'application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain'], { parseAs: 'string' }, (_req, body, done) => {
    done(null, body)
  })

  app.get(
    '/api/v1/indicator-sets',
    {
      config: { access: ALL_ROLES },
      schema: { summary: 'List loaded indicator sets', tags: ['indicator sets'], response: { 200: Type.Array(SetSummarySchema), ...problems(401, 403) } },
    },
    async () => listIndicatorSets(app.db),
  )

  app.get(
    '/api/v1/indicator-sets/:code/:version',
    {
      config: { access: ALL_ROLES },
      schema: {
        summary: 'One indicator set with its full tree',
        tags: ['indicator sets'],
        params: SetParams,
        response: { 200: Type.Intersect([SetSummarySchema, Type.Object({ definition: Type.Unknown() })]), ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => getIndicatorSet(app.db, request.params.code, request.params.version),
  )

  app.post(
    '/api/v1/indicator-sets',
    {
      config: { access: ['admin'] },
      schema: {
        summary: 'Load an indicator set (YAML or JSON body)',
        description:
          'Validates and stores a set. Loading the same code and version again with identical content is a no-op (200); with different content it is refused (409). Invalid sets get 400 with every problem listed.',
        tags: ['indicator sets'],
        consumes: ['application/yaml', 'application/json'],
        response: { 200: Type.Object({ status: Type.String(), set: SetSummarySchema }), 201: Type.Object({ status: Type.String(), set: SetSummarySchema }), ...problems(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const text = typeof request.body === 'string' ? request.body : ''
      const outcome = validateIndicatorSet(text)
      if (!outcome.ok) throw invalid(outcome.issues)
      const result = await loadIndicatorSet(app.db, outcome.set, text, actorOf(request))
      return reply.code(result.status === 'created' ? 201 : 200).send(result)
    },
  )
}

export default indicatorSets
