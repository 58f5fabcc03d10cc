/**
 * A round's visit samples as a few flat arrays, for handing them to a worker thread: a million
 * findings are about 800,000 { code, findings, deduction } objects, which structured cloning
 * copies one by one on the sending thread, while the typed arrays here are transferred whole
 * (their memory changes owner, nothing is copied).
 *
 *   units[u], unitVisits[u]            unit codes in the order of the samples, visits of each
 *   visitType[v]                       index into pointTypes; visits unit by unit, in order
 *   visitPoint[v]                      index into points (the visited point's code)
 *   visitStart[v] … visitStart[v+1]−1  the visit's entries, in order
 *   entryCode, entryFindings, entryDeduction
 *
 * A deduction travels as the number the analysis reads it as (Number(text), visits.ts), and comes
 * back as the shortest text of that number, which reads back to the same number: the analysis of
 * unpacked samples is the analysis of the original ones. Findings travel as float64 so a bad
 * count (1.5) reaches the analysis as it was and is refused there as it would have been.
 */
import type { RoundSamples, VisitSample } from './sample.js'

export interface PackedSamples {
  units: string[]
  unitVisits: Int32Array
  pointTypes: string[]
  visitType: Int32Array
  points: string[]
  visitPoint: Int32Array
  visitStart: Int32Array
  codes: string[]
  entryCode: Int32Array
  entryFindings: Float64Array
  entryDeduction: Float64Array
}

/** Index of `key` in `list`, appending it when new. */
function indexer(list: string[]): (key: string) => number {
  const index = new Map<string, number>()
  return (key) => {
    let i = index.get(key)
    if (i === undefined) {
      i = list.length
      list.push(key)
      index.set(key, i)
    }
    return i
  }
}

export function packSamples(samples: RoundSamples): PackedSamples {
  const units = Object.keys(samples)
  let visits = 0
  let entries = 0
  for (const unit of units)
    for (const visit of samples[unit]!) {
      visits++
      entries += visit.standards.length
    }
  const packed: PackedSamples = {
    units,
    unitVisits: new Int32Array(units.length),
    pointTypes: [],
    visitType: new Int32Array(visits),
    points: [],
    visitPoint: new Int32Array(visits),
    visitStart: new Int32Array(visits + 1),
    codes: [],
    entryCode: new Int32Array(entries),
    entryFindings: new Float64Array(entries),
    entryDeduction: new Float64Array(entries),
  }
  const typeIndex = indexer(packed.pointTypes)
  const codeIndex = indexer(packed.codes)
  const pointIndex = indexer(packed.points)
  let v = 0
  let e = 0
  units.forEach((unit, u) => {
    const list = samples[unit]!
    packed.unitVisits[u] = list.length
    for (const visit of list) {
      packed.visitType[v] = typeIndex(visit.pointType)
      packed.visitPoint[v] = pointIndex(visit.point)
      packed.visitStart[v] = e
      for (const s of visit.standards) {
        packed.entryCode[e] = codeIndex(s.code)
        packed.entryFindings[e] = s.findings
        packed.entryDeduction[e] = Number(s.deduction)
        e++
      }
      v++
    }
  })
  packed.visitStart[visits] = e
  return packed
}

export function unpackSamples(packed: PackedSamples): RoundSamples {
  const samples: RoundSamples = {}
  let v = 0
  packed.units.forEach((unit, u) => {
    const list: VisitSample[] = []
    for (let n = packed.unitVisits[u]!; n > 0; n--, v++) {
      const visit: VisitSample = { pointType: packed.pointTypes[packed.visitType[v]!]!, point: packed.points[packed.visitPoint[v]!]!, standards: [] }
      for (let e = packed.visitStart[v]!; e < packed.visitStart[v + 1]!; e++)
        visit.standards.push({ code: packed.codes[packed.entryCode[e]!]!, findings: packed.entryFindings[e]!, deduction: String(packed.entryDeduction[e]!) })
      list.push(visit)
    }
    samples[unit] = list
  })
  return samples
}

/** The buffers to transfer with a postMessage of `packed`. */
export function packedBuffers(packed: PackedSamples): ArrayBuffer[] {
  return [packed.unitVisits, packed.visitType, packed.visitPoint, packed.visitStart, packed.entryCode, packed.entryFindings, packed.entryDeduction].map((a) => a.buffer as ArrayBuffer)
}
