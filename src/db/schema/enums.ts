import { pgEnum } from 'drizzle-orm/pg-core'

export const roundStatus = pgEnum('round_status', ['draft', 'fieldwork', 'review', 'published'])
export const userRole = pgEnum('user_role', ['admin', 'evaluator', 'reviewer', 'leader', 'unit'])
export const findingStatus = pgEnum('finding_status', ['pending', 'accepted', 'rejected'])
export const rectificationStatus = pgEnum('rectification_status', ['issued', 'replied', 'reopened', 'closed'])

export const ROLES = userRole.enumValues
export type Role = (typeof ROLES)[number]
export type RoundStatus = (typeof roundStatus.enumValues)[number]
export const settlePlanStatus = pgEnum('settle_plan_status', ['open', 'done'])
export type SettlePlanStatus = (typeof settlePlanStatus.enumValues)[number]
