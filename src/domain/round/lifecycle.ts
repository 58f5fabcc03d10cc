/**
 * Round lifecycle (SPEC §6): draft → fieldwork → review → published.
 *
 *   open:    draft → fieldwork, or review → fieldwork (fieldwork reopened before publication)
 *   close:   fieldwork → review
 *   publish: review → published (revision 1, 2, …)
 *   correct: published → review (a correction with its reason; the published revisions stay)
 *
 * What each state accepts:
 *   visits and findings (new or edited)        fieldwork
 *   external scores, measures, direct scores   fieldwork, review
 *   review decisions on findings               review
 *   changes to the round definition            draft, while nothing is recorded
 * A write the state forbids is refused (409) and changes nothing.
 */
import { DomainError } from '../errors.js'

export type RoundStatus = 'draft' | 'fieldwork' | 'review' | 'published'
export type Transition = 'open' | 'close' | 'publish' | 'correct'
export type Activity = 'field-entry' | 'unit-values' | 'review'

const TRANSITIONS: Record<Transition, { from: RoundStatus[]; to: RoundStatus }> = {
  open: { from: ['draft', 'review'], to: 'fieldwork' },
  close: { from: ['fieldwork'], to: 'review' },
  publish: { from: ['review'], to: 'published' },
  correct: { from: ['published'], to: 'review' },
}

const ACCEPTS: Record<Activity, RoundStatus[]> = {
  'field-entry': ['fieldwork'],
  'unit-values': ['fieldwork', 'review'],
  review: ['review'],
}

const ACTIVITY_WORDS: Record<Activity, string> = {
  'field-entry': 'visits and findings are accepted',
  'unit-values': 'external scores, measures and direct scores are accepted',
  review: 'findings are reviewed',
}

export function nextStatus(round: string, current: RoundStatus, transition: Transition): RoundStatus {
  const t = TRANSITIONS[transition]
  if (!t.from.includes(current))
    throw new DomainError('ROUND_STATE', `round ${round} is ${current}; "${transition}" needs it to be ${t.from.join(' or ')}`)
  return t.to
}

export function assertAccepts(round: string, current: RoundStatus, activity: Activity): void {
  if (!ACCEPTS[activity].includes(current))
    throw new DomainError('ROUND_STATE', `round ${round} is ${current}; ${ACTIVITY_WORDS[activity]} only while it is ${ACCEPTS[activity].join(' or ')}`)
}
