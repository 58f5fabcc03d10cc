/**
 * Bounded schemas for what URLs carry: path parameters and query values are read against
 * these before a handler sees them, so a value the database cannot take (a NUL, 2^31 for an
 * int4 column, 10^20 for an offset) is a 400 naming the parameter, never a failed query.
 * Codes follow the round-file and indicator-set formats, so every stored code is reachable.
 */
import Type from 'typebox'
import { CODE_MAX, CODE_PATTERN, SetCode, SetVersion } from '../domain/indicator-set/schema.js'

/** The largest value of PostgreSQL's integer (int4). */
export const INT4_MAX = 2_147_483_647

/** A round, unit, group or point code, as a round file may write it. */
export const Code = Type.String({ pattern: CODE_PATTERN, maxLength: CODE_MAX, description: 'a code as the round file writes it' })
export const RoundParams = Type.Object({ code: Code })

export const SetParams = Type.Object({ code: SetCode, version: SetVersion })

/** A published revision: 1, 2, … (stored as int4). */
export const Revision = Type.Integer({ minimum: 1, maximum: INT4_MAX })

export const Offset = Type.Integer({ minimum: 0, maximum: INT4_MAX })

/** A photo is named by the SHA-256 of its bytes. */
export const PhotoHash = Type.String({ pattern: '^[0-9a-fA-F]{64}$', description: 'SHA-256 of the photo, 64 hex digits' })

/** Visits and findings carry client-generated UUIDs. */
export const Uuid = Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$', description: 'a UUID' })

/** A user's display name, a reason given for a decision or a correction. */
export const NAME_MAX = 100
export const REASON_MAX = 2000
