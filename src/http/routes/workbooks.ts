import fs from 'node:fs'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { FastifyPluginAsyncTypebox as FastifyPluginAsync } from '@fastify/type-provider-typebox'
import multipart from '@fastify/multipart'
import Type from 'typebox'
import { DomainError } from '../../domain/errors.js'
import { importWorkbook, markErrorsCopy, WorkbookRejected, writeRoundTemplate } from '../../services/workbooks.js'
import { actorOf } from '../actor.js'
import { sendProblem } from '../plugins/errors.js'
import { problems } from '../schemas.js'
import { RoundParams } from '../params.js'
import { receiveFile } from '../multipart.js'
import { STALE_AFTER_MS, sweepUploads, uploadFileName, uploadsDir } from '../upload-files.js'

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
const Params = RoundParams

const workbooks: FastifyPluginAsync = async (app) => {
  await app.register(multipart, { limits: { fileSize: app.config.bodyLimit, files: 1, fields: 5 } })
  const markedDir = path.join(app.config.storageDir, 'rejected-imports')
  const uploads = uploadsDir(app.config.storageDir)
  // Uploads left by a process that died mid-request (see ../upload-files.ts): swept at start,
  // and again by an import when the last sweep is an hour old, so a long-running server also
  // clears what another server sharing the storage left.
  // Housekeeping only: a failed sweep is logged and neither stops the server nor an import.
  let swept = 0
  const sweep = async (): Promise<void> => {
    swept = Date.now()
    try {
      const removed = await sweepUploads(uploads, swept)
      if (removed.length > 0) app.log.info({ dir: uploads, files: removed.length }, 'removed leftover upload files')
    } catch (error) {
      app.log.warn({ err: error, dir: uploads }, 'could not sweep leftover upload files')
    }
  }
  await sweep()

  app.get(
    '/api/v1/rounds/:code/template',
    {
      config: { access: ['admin', 'evaluator'] },
      schema: { summary: 'The Excel entry template of a round', tags: ['excel'], params: Params, response: { 200: Type.Unknown({ description: 'xlsx' }), ...problems(400, 401, 403, 404) } },
    },
    async (request, reply) => {
      // Built in memory (a template is a few hundred KB): no file to leave behind.
      const chunks: Buffer[] = []
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          chunks.push(chunk)
          done()
        },
      })
      await writeRoundTemplate(app.db, request.params.code, sink)
      return reply.type(XLSX).header('content-disposition', `attachment; filename="round-${encodeURIComponent(request.params.code)}-template.xlsx"`).send(Buffer.concat(chunks))
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
      const { file: upload, bytes } = await receiveFile(request, 'workbook', 'file')
      if (Date.now() - swept > STALE_AFTER_MS) await sweep()
      await fs.promises.mkdir(uploads, { recursive: true })
      const file = uploadFileName(uploads)
      // The file exists before any byte is read, so removing it below is final: a write stream
      // opening it lazily could create it after an early failure had already removed it.
      const handle = await fs.promises.open(file, 'wx', 0o600)
      try {
        // Closes the handle when done or failed (client abort, size limit, disk full).
        await pipeline(bytes, handle.createWriteStream())
        if (upload.file.truncated) return sendProblem(reply, request, 413, 'BODY_TOO_LARGE', '工作簿过大', `the limit is ${app.config.bodyLimit} bytes (CIVINDEX_BODY_LIMIT)`)
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
        await handle.close().catch(() => undefined)
        await fs.promises.rm(file, { force: true })
      }
    },
  )

  app.get(
    '/api/v1/imports/:id/errors.xlsx',
    {
      config: { access: ['admin', 'evaluator'] },
      schema: { summary: 'The marked copy of a refused workbook', tags: ['excel'], params: Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{24}$' }) }), response: { 200: Type.Unknown(), ...problems(400, 401, 403, 404) } },
    },
    async (request, reply) => {
      const file = path.join(markedDir, `${request.params.id}.xlsx`)
      if (!fs.existsSync(file)) throw new DomainError('NOT_FOUND', 'no such marked workbook')
      return reply.type(XLSX).header('content-disposition', 'attachment; filename="errors.xlsx"').send(fs.readFileSync(file))
    },
  )
}

export default workbooks
