/**
 * The one file of a multipart/form-data upload. A body that is not well-formed multipart (no
 * boundary, cut off before its end, a broken part header) is the client's mistake, but the
 * multipart parser reports it with plain errors that @fastify/multipart passes on unchanged,
 * which would be 500s. Here they become 400s, whether they surface while the file is looked for
 * or while its bytes are read. The plugin's own errors (limits) keep their statuses.
 */
import type { FastifyRequest } from 'fastify'
import type { MultipartFile } from '@fastify/multipart'
import { DomainError, isDomainError } from '../domain/errors.js'

function asClientError(error: unknown): unknown {
  if (isDomainError(error)) return error
  if (typeof error === 'object' && error !== null && typeof (error as { statusCode?: unknown }).statusCode === 'number') return error
  const message = error instanceof Error ? error.message : String(error)
  return new DomainError('VALIDATION_FAILED', `the multipart body cannot be read: ${message}`, [{ path: 'body', message }])
}

async function* readAsClient(stream: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of stream) yield chunk
  } catch (error) {
    throw asClientError(error)
  }
}

/** The upload's file (`field` names it in messages) and its bytes, read with parse errors as 400s. */
export async function receiveFile(request: FastifyRequest, what: string, field: string): Promise<{ file: MultipartFile; bytes: AsyncIterable<Buffer> }> {
  if (!request.isMultipart()) throw new DomainError('VALIDATION_FAILED', `send the ${what} as multipart/form-data`, [{ path: 'body', message: 'not multipart/form-data' }])
  let file: MultipartFile | undefined
  try {
    file = await request.file()
  } catch (error) {
    throw asClientError(error)
  }
  if (!file) throw new DomainError('VALIDATION_FAILED', 'no file in the upload', [{ path: field, message: 'missing' }])
  return { file, bytes: readAsClient(file.file) }
}
