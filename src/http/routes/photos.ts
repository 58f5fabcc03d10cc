import fs from 'node:fs'
import type { FastifyPluginAsyncTypebox as FastifyPluginAsync } from '@fastify/type-provider-typebox'
import multipart from '@fastify/multipart'
import Type from 'typebox'
import { findPhoto, storePhoto } from '../../services/photos.js'
import { actorOf } from '../actor.js'
import { problems } from '../schemas.js'
import { PhotoHash } from '../params.js'
import { receiveFile } from '../multipart.js'

const photos: FastifyPluginAsync = async (app) => {
  await app.register(multipart, { limits: { fileSize: app.config.maxPhotoBytes, files: 1, fields: 5 } })

  app.post(
    '/api/v1/photos',
    {
      config: { access: ['admin', 'evaluator'] },
      schema: {
        summary: 'Upload a photo (multipart/form-data, one file)',
        description: 'Stored by its SHA-256; findings refer to photos by that hash. JPEG, PNG or WebP, judged from the bytes; at most CIVINDEX_MAX_PHOTO_BYTES.',
        tags: ['photos'],
        consumes: ['multipart/form-data'],
        response: {
          200: Type.Object({ hash: Type.String(), mime: Type.String(), bytes: Type.Integer(), status: Type.String() }),
          201: Type.Object({ hash: Type.String(), mime: Type.String(), bytes: Type.Integer(), status: Type.String() }),
          ...problems(400, 401, 403, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const { file, bytes } = await receiveFile(request, 'photo', 'photo')
      const stored = await storePhoto(app.db, app.config.storageDir, bytes, () => file.file.truncated, actorOf(request))
      return reply.code(stored.status === 'stored' ? 201 : 200).send(stored)
    },
  )

  app.get(
    '/api/v1/photos/:hash',
    {
      config: { access: ['admin', 'evaluator', 'reviewer', 'leader'] },
      schema: {
        summary: 'A stored photo',
        tags: ['photos'],
        params: Type.Object({ hash: PhotoHash }),
        response: { 200: Type.Unknown({ description: 'the image bytes' }), ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const photo = await findPhoto(app.db, app.config.storageDir, request.params.hash)
      return reply.type(photo.mime).header('content-length', photo.bytes).header('cache-control', 'private, max-age=31536000, immutable').send(fs.createReadStream(photo.file))
    },
  )
}

export default photos
