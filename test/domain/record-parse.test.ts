/**
 * parseRecords, the one reading of a batch against the record bounds: every bound is checked at
 * its edge (the last value accepted, the first refused), for each kind of value, and the batch
 * is read once into what the services need (the visit ids it names, the photos it cites).
 */
import { describe, expect, it } from 'vitest'
import { DomainError } from '../../src/domain/errors.js'
import { RECORD_BOUNDS as B, inWindow, periodWindow } from '../../src/domain/records/bounds.js'
import { parseRecords } from '../../src/domain/records/parse.js'
import { recordTextProblem } from '../../src/domain/text.js'

const V = '8f3c2a7e-1111-4222-8333-444455556666'
const F = '8f3c2a7e-1111-4222-8333-444455556667'

/** The problems of one finding with the given fields (over a valid base). */
function findingIssues(fields: Record<string, unknown>): string[] {
  const batch = parseRecords({ findings: [{ id: F, visit: V, standard: '01-01-01', ...fields }] })
  return (batch.findings[0]!.issues ?? []).map((i) => i.path)
}
function visitIssues(fields: Record<string, unknown>): string[] {
  const batch = parseRecords({ visits: [{ id: V, point: 'P1', at: '2026-01-10', ...fields }] })
  return (batch.visits[0]!.issues ?? []).map((i) => i.path)
}

describe('parseRecords bounds', () => {
  it.each([
    [{ count: 1 }, []],
    [{ count: B.maxCount }, []],
    [{ count: String(B.maxCount) }, []],
    [{ count: B.maxCount + 1 }, ['findings[0].count']],
    [{ count: 0 }, ['findings[0].count']],
    [{ count: 2 ** 31 }, ['findings[0].count']],
    [{ count: '99999999999999999999' }, ['findings[0].count']],
    [{ count: 1.5 }, ['findings[0].count']],
    [{ deduction: '999999999.999999' }, []],
    [{ deduction: '1000000000' }, ['findings[0].deduction']],
    [{ deduction: '0.1234560' }, []],
    [{ deduction: '0.1234567' }, ['findings[0].deduction']],
    [{ deduction: '-0' }, []],
    [{ deduction: '-0.5' }, ['findings[0].deduction']],
    [{ deduction: 1e21 }, ['findings[0].deduction']],
    [{ deduction: 1e-7 }, ['findings[0].deduction']],
    [{ deduction: 'NaN' }, ['findings[0].deduction']],
    [{ note: 'x'.repeat(B.noteLength) }, []],
    [{ note: 'x'.repeat(B.noteLength + 1) }, ['findings[0].note']],
    [{ evaluator: '甲'.repeat(B.nameLength + 1) }, ['findings[0].evaluator']],
    [{ standard: 's'.repeat(B.codeLength + 1) }, ['findings[0].standard']],
    [{ standard: 42 }, ['findings[0].standard']],
    [{ photos: Array.from({ length: B.photosPerFinding }, () => 'a'.repeat(64)) }, []],
    [{ photos: Array.from({ length: B.photosPerFinding + 1 }, () => 'a'.repeat(64)) }, ['findings[0].photos']],
    [{ photos: ['A'.repeat(64)] }, []],
    [{ photos: ['g'.repeat(64)] }, ['findings[0].photos[0]']],
    [{ at: '2099-12-31T23:00:00+08:00' }, []],
    [{ at: '2100-01-01T00:00:00+08:00' }, ['findings[0].at']],
    [{ at: '1999-12-31T23:59:59+08:00' }, ['findings[0].at']],
    [{ at: '+275760-09-13T00:00:00Z' }, ['findings[0].at']],
    [{ lat: '-90', lng: '180' }, []],
    [{ lat: '90.00000001' }, ['findings[0].lat']],
    [{ lng: '1e2' }, ['findings[0].lng']],
  ])('finding %j → %j', (fields, paths) => {
    expect(findingIssues(fields)).toEqual(paths)
  })

  it.each([
    [{ id: V.toUpperCase() }, []],
    [{ id: ` ${V} ` }, []],
    [{ id: 'x'.repeat(1_000_000) }, ['visits[0].id']],
    [{ point: 'P1\u0000' }, ['visits[0].point']],
    [{ evaluator: 'a\u0007' }, ['visits[0].evaluator']],
    [{ note: 'line\r\nnext\tcell' }, []],
    [{ note: 'a\ud800b' }, ['visits[0].note']],
    [{ note: '\udc00' }, ['visits[0].note']],
    [{ note: '🚮' }, []],
    [{ note: 'a\uffffb' }, ['visits[0].note']],
    [{ note: { deep: [[[]]] } }, ['visits[0].note']],
    [{ at: '2026-02-30' }, ['visits[0].at']],
    [{ at: 1767225600000 }, ['visits[0].at']],
    [{ lat: 31.2, lng: 121.5 }, []],
  ])('visit %j → %j', (fields, paths) => {
    expect(visitIssues(fields)).toEqual(paths)
  })

  it('bounds external scores to 0–100 with 4 decimals, and measures to 9 + 6 digits', () => {
    const paths = (data: unknown) => parseRecords(data).externalScores.concat(parseRecords(data).measures).flatMap((r) => (r.issues ?? []).map((i) => i.path))
    expect(paths({ externalScores: [{ unit: 'a', component: 's', value: '100.0000' }] })).toEqual([])
    expect(paths({ externalScores: [{ unit: 'a', component: 's', value: '100.0001' }] })).toEqual(['externalScores[0].value'])
    expect(paths({ externalScores: [{ unit: 'a', component: 's', value: '99.12345' }] })).toEqual(['externalScores[0].value'])
    expect(paths({ measures: [{ unit: 'a', standard: 's', value: '999999999.5' }] })).toEqual([])
    expect(paths({ measures: [{ unit: 'a', standard: 's', value: '1000000000' }] })).toEqual(['measures[0].value'])
  })

  it('refuses a batch larger than its cap before reading a record, and names what a batch refers to', () => {
    const many = { findings: Array.from({ length: 11 }, () => null) }
    expect(() => parseRecords(many, { maxRecords: 10 })).toThrow(DomainError)
    const batch = parseRecords({
      visits: [{ id: V, point: 'P1', at: '2026-01-10' }],
      findings: [
        { id: F, visit: V.toUpperCase(), standard: 's', photos: ['B'.repeat(64)] },
        { id: F.replace('67', '68'), visit: F, standard: 's', photos: ['b'.repeat(64)] },
      ],
    })
    expect(batch.visitIds).toEqual([V, F])
    expect([...batch.photos]).toEqual(['b'.repeat(64)])
    expect(batch.size).toBe(3)
  })

  it('reports unknown kinds and fields without echoing a huge name', () => {
    const batch = parseRecords({ ['k'.repeat(10_000)]: [], findings: [{ id: F, visit: V, standard: 's', ['f'.repeat(10_000)]: 1 }] })
    expect(batch.issues).toHaveLength(1)
    expect(batch.issues[0]!.message.length).toBeLessThan(200)
    expect(batch.findings[0]!.issues![0]!.path.length).toBeLessThan(120)
  })
})

describe('time window of a round', () => {
  it('takes the period in China time, widened by one day each side', () => {
    const w = periodWindow({ from: '2026-01-01', to: '2026-01-31' })
    expect(inWindow(w, new Date('2025-12-31T00:00:00+08:00'))).toBe(true)
    expect(inWindow(w, new Date('2025-12-30T23:59:59.999+08:00'))).toBe(false)
    expect(inWindow(w, new Date('2026-02-01T23:59:59.999+08:00'))).toBe(true)
    expect(inWindow(w, new Date('2026-02-02T00:00:00+08:00'))).toBe(false)
  })
})

describe('recordTextProblem', () => {
  it('accepts tabs, line breaks and any script, refuses NUL, controls, lone surrogates and non-characters', () => {
    expect(recordTextProblem('南门处地面存在垃圾\t🚮\r\n')).toBeNull()
    for (const bad of ['\u0000', '\u001f', '\ud83d', '\ude00x', '\ufffe']) expect(recordTextProblem(`a${bad}`)).not.toBeNull()
  })
})
