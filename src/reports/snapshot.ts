/**
 * What publication freezes (SPEC §6.3). A published snapshot is everything the notice, the
 * workbook and the public page say, as plain JSON-safe data: decimals are text, times ISO
 * strings, no `undefined`. Its SHA-256 over the canonical JSON (src/domain/canonical-json.ts)
 * is printed on every page of the notice, so a reader can check a copy against the register:
 * any change — a score, a name, a correction reason — changes the hash.
 *
 * The renderers (model.ts → pdf.ts / xlsx.ts / html.ts) read only this and ReportInput; they
 * never touch the database, so the same snapshot always renders the same documents.
 */
import { hashCanonical } from '../domain/canonical-json.js'
import type { RoundResult } from '../domain/scoring/types.js'

/** Bumped when the meaning of a field changes; renderers refuse formats they do not know. */
export const SNAPSHOT_FORMAT = 'civindex-notice/1'

export interface PublishedSnapshot {
  format: typeof SNAPSHOT_FORMAT
  round: {
    /** Round code, e.g. "2017-04". */
    code: string
    /** Full name used in the title, e.g. 「2017年第4次文明程度指数测评」. */
    name: string
    /** Series the round belongs to (rank change, escalation and the trend compare within it); null = none. */
    series: string | null
    /** Fieldwork period, ISO dates ("2017-08-01"). */
    period: { from: string; to: string }
    /** The third-party evaluator, e.g. 「某某调查咨询有限公司」. */
    evaluator: string
    /** Indicator set as code@version, e.g. "anqing-civility@2017.1". */
    indicatorSet: string
  }
  /** 1 for the first publication; each correction publishes the next number. */
  revision: number
  /** Why this revision corrects the previous one; null for revision 1. */
  reason: string | null
  /** ISO time of publication (with offset); also the PDF's creation date, so renders are reproducible. */
  publishedAt: string
  /** The components of the indicator set, in the column order of the component scores. */
  components: { code: string; name: string }[]
  /**
   * Top-level indicators of the set (e.g. 01 公共环境), to name them where the credibility
   * analysis refers to them by code (dominance: "ahead on 01"). Optional; without it such an
   * item is printed as 「指标01」.
   */
  indicators?: { code: string; name: string }[]
  /**
   * Point types of the set (e.g. market 农贸市场), in the set's order, to name them where the
   * credibility analysis says what was sampled. Optional; without it the codes are printed.
   */
  pointTypes?: { code: string; name: string }[]
  /** Headline counts for the opening paragraph. */
  summary: {
    /** Units evaluated (ranked or not), over all groups. */
    units: number
    /** Distinct points visited. */
    points: number
    /** Visits (点次). */
    visits: number
    /** Findings, Σ count over accepted findings. */
    findings: number
    /** Distinct point types visited. */
    pointTypes: number
  }
  /** The ranking exactly as scored (SPEC §4.5), with the credibility blocks when the analysis ran. */
  result: RoundResult
  /** Most frequent problems per group: standards by occurrences (Σ count), most first. */
  problems: {
    /** Group code (as in result.groups). */
    group: string
    top: {
      /** Standard code, e.g. "01-01-01". */
      standard: string
      /** The standard's text, e.g. 「摊位摆放整齐，无占道经营」. */
      text: string
      /** Name of the top-level indicator above it, e.g. 「公共环境」. */
      indicator: string
      /** Σ count of the group's findings against the standard. */
      occurrences: number
      /** Units of the group with at least one such finding. */
      units: number
    }[]
  }[]
  /** Published totals across the series' published rounds up to and including this one. */
  trend: {
    /** Oldest first; the last entry is this round. */
    rounds: { code: string; name: string }[]
    units: {
      unit: string
      name: string
      /** Group code in this round. */
      group: string
      /** One published total (2 decimals) per entry of `rounds`; null = not ranked in that round. */
      totals: (string | null)[]
    }[]
  }
  /** The evidence behind the result: count of input records and SHA-256 over their digests, in id order. */
  inputs: { records: number; digest: string }
}

/** One accepted finding, for the workbook's detail sheet. Text fields are shown as they are. */
export interface FindingRow {
  unit: string
  unitName: string
  point: string
  pointName: string
  /** Point type name, e.g. 「农贸市场」. */
  pointType: string
  standard: string
  standardText: string
  count: number
  /** Decimal text of the deduction taken (the override or per × count). */
  deduction: string
  note: string
  /** ISO time of the visit. */
  at: string
  evaluator: string
  /** Review status, e.g. "accepted". */
  status: string
}

/** One ledger posting of a published transfer. */
export interface LedgerRow {
  /** ISO time of the posting (the publication). */
  at: string
  round: string
  revision: number
  unit: string
  unitName: string
  /** Name of the other side of the transfer. */
  counterparty: string
  /** Signed yuan, 2 decimals: negative paid out, positive received. */
  amount: string
  /** The unit's running balance after this posting, 2 decimals. */
  balance: string
  memo: string
}

export interface ReportInput {
  snapshot: PublishedSnapshot
  /** SHA-256 (hex) of the snapshot's canonical JSON, computed by the caller (see snapshotHash). */
  hash: string
  /** Findings detail, for the workbook only (the notice shows statistics, not single findings). */
  findings: FindingRow[]
  /** Ledger rows, for the workbook only; amount signed, balance running per unit. */
  ledger: LedgerRow[]
}

/** The hash printed on the documents: SHA-256 of the canonical JSON. */
export function snapshotHash(snapshot: PublishedSnapshot): string {
  return hashCanonical(snapshot)
}

/** Base file name of a round's documents, by round and revision: "notice-2017-04-r1". */
export function reportBaseName(snapshot: Pick<PublishedSnapshot, 'round' | 'revision'>): string {
  return `notice-${snapshot.round.code.replace(/[^\w.-]+/g, '_')}-r${snapshot.revision}`
}
