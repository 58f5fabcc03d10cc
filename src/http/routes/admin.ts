/**
 * Maintenance over HTTP for the office's IT staff (role admin). GET /api/v1/admin/backup streams
 * a backup of the database the server holds, consistent while it keeps serving: the way to back
 * up the embedded database without stopping the server (the CLI cannot open a directory the
 * server holds). Restore it with `civindex db restore <file>` (README, "Backup and restore").
 */
import type { FastifyPluginAsyncTypebox as FastifyPluginAsync } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { backupStream } from '../../services/backup.js'
import { problems } from '../schemas.js'

const admin: FastifyPluginAsync = async (app) => {
  app.get(
    '/api/v1/admin/backup',
    {
      config: { access: ['admin'] },
      schema: {
        summary: 'A backup of the whole database, streamed: pg_dump custom format on PostgreSQL, a gzipped tar of the data directory on the embedded database',
        tags: ['system'],
        response: { 200: Type.Unknown({ description: 'the backup file' }), ...problems(401, 403, 503) },
      },
    },
    async (request, reply) => {
      const { stream, fileName } = await backupStream(app.database, app.config)
      stream.on('error', (error) => request.log.error({ err: error }, 'backup stream failed; the client gets a cut-off file, which restore refuses'))
      return reply.header('content-type', 'application/octet-stream').header('content-disposition', `attachment; filename="${fileName}"`).header('cache-control', 'no-store').send(stream)
    },
  )
}

export default admin
