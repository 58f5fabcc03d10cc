import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { pipeline } from 'node:stream/promises'
import type { FastifyPluginAsyncTypebox as FastifyPluginAsync } from '@fastify/type-provider-typebox'
import multipart from '@fastify/multipart'
import Type from 'typebox'
import { DomainError } from '../../domain/errors.js'
import { importWorkbook, markErrorsCopy, WorkbookRejected, writeRoundTemplate } from '../../services/workbooks.js'
import { actorOf } from '../actor.js'
import { sendProblem } from '../plugins/errors.js'
import { problems } from '../schemas.js'

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
const Params = Type.Object({ code: Type.String() })

const workbooks: FastifyPluginAsync = async (app) => {
  await app.register(multipart, { limits: { fileSize: app.config.bodyLimit, files: 1, fields: 5 } })
  const markedDir = path.join(app.config.storageDir, 'rejected-imports')

  app.get(
    '/api/v1/rounds/:code/template',
    {
      config: { access: ['admin', 'evaluator'] },
      schema: { summary: 'The Excel entry template of a round', tags: ['excel'], params: Params, response: { 200: Type.Unknown({ description: 'xlsx' }), ...problems(401, 403, 404) } },
    },
    async (request, reply) => {
      const file = path.join(os.tmpdir(), `civindex-template-${randomBytes(6).toString('hex')}.xlsx`)
      try {
        await writeRoundTemplate(app.db, request.params.code, file)
        const body = fs.readFileSync(file)
        return reply.type(XLSX).header('content-disposition', `attachment; filename="round-${encodeURIComponent(request.params.code)}-template.xlsx"`).send(body)
      } finally {
        fs.rmSync(file, { force: true })
      }
    },
  )

  app.post(
    '/api/v1/rounds/:code/import',
    {
      config: { access: ['admin', 'evaluator'] },
      schema: {
        summary: 'Import a filled Excel template (multipart/form-data, one .xlsx file)',
        description:
          'All or nothing. A refused workbook gets 400 with every problem as sheet!cell, and `errorWorkbook`: where to download a copy with the bad cells marked.',
        tags: ['excel'],
        params: Params,
        consumes: ['multipart/form-data'],
        response: {
          200: Type.Unknown(),
          400: Type.Unknown({ description: 'problem+json with errors and errorWorkbook' }),
          409: Type.Unknown({ description: 'problem+json with errors and errorWorkbook' }),
          ...problems(401, 403, 404, 413),
        },
      },
    },
    async (request, reply) => {
      if (!request.isMultipart()) throw new DomainError('VALIDATION_FAILED', 'send the workbook as multipart/form-data', [{ path: 'body', message: 'not multipart/form-data' }])
      const upload = await request.file()
      if (!upload) throw new DomainError('VALIDATION_FAILED', 'no file in the upload', [{ path: 'file', message: 'missing' }])
      const file = path.join(os.tmpdir(), `civindex-import-${randomBytes(6).toString('hex')}.xlsx`)
      try {
        await pipeline(upload.file, fs.createWriteStream(file))
        if (upload.file.truncated) return sendProblem(reply, request, 413, 'BODY_TOO_LARGE', 'The workbook is too large', `the limit is ${app.config.bodyLimit} bytes (CIVINDEX_BODY_LIMIT)`)
        try {
          return await importWorkbook(app.db, request.params.code, file, actorOf(request))
        } catch (error) {
          if (!(error instanceof WorkbookRejected)) throw error
          const id = randomBytes(12).toString('hex')
          fs.mkdirSync(markedDir, { recursive: true })
          await markErrorsCopy(file, error, path.join(markedDir, `${id}.xlsx`))
          const status = error.kind === 'conflict' ? 409 : 400
          return reply
            .code(status)
            .type('application/problem+json')
            .send({
              type: `urn:civindex:problem:${error.code}`,
              title: error.title,
              status,
              detail: error.message,
              code: error.code,
              instance: request.url,
              errors: error.issues,
              errorWorkbook: `/api/v1/imports/${id}/errors.xlsx`,
            })
        }
      } finally {
        fs.rmSync(file, { force: true })
      }
    },
  )

  app.get(
    '/api/v1/imports/:id/errors.xlsx',
    {
      config: { access: ['admin', 'evaluator'] },
      schema: { summary: 'The marked copy of a refused workbook', tags: ['excel'], params: Type.Object({ id: Type.String() }), response: { 200: Type.Unknown(), ...problems(401, 403, 404) } },
    },
    async (request, reply) => {
      const file = path.join(markedDir, `${request.params.id}.xlsx`)
      if (!/^[0-9a-f]{24}$/.test(request.params.id) || !fs.existsSync(file)) throw new DomainError('NOT_FOUND', 'no such marked workbook')
      return reply.type(XLSX).header('content-disposition', 'attachment; filename="errors.xlsx"').send(fs.readFileSync(file))
    },
  )
}

export default workbooks
