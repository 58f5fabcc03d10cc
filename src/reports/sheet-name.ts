/**
 * Excel's rules for worksheet names, applied to any text that becomes one (a group's name, a
 * title). Excel refuses a workbook, and exceljs throws while building it, when a name:
 * - is empty, or longer than 31 characters — counted in UTF-16 code units, as Excel counts;
 * - holds one of : \ / ? * [ ];
 * - starts or ends with an apostrophe (the quote of a sheet reference, 'name'!A1);
 * - is "History" (reserved by Excel for change tracking);
 * - equals another sheet's name ignoring case.
 * Control characters (XML cannot hold them; exceljs drops them silently, which could make two
 * names equal after the check) and unpaired surrogates are replaced as well.
 *
 * Example: sheetName("'历史'", taken, '排名') is 历史排名; a 40-character name with a / keeps
 * its first 29 characters (the / as _) and the suffix 排名; the same name again gets _2.
 */

export const SHEET_NAME_MAX = 31

/** Names Excel will not take whatever the case. */
const RESERVED = ['History']

/** Forbidden characters, control characters, and unpaired surrogates (\p{Cs} matches only those under the u flag). */
const BAD = /[:\\/?*[\]\p{Cc}\p{Cs}]/gu

/** Apostrophes and white space at either end. */
const ENDS = /^['\s]+|['\s]+$/g

function clean(text: string): string {
  return text.replace(BAD, '_')
}

/** At most `units` UTF-16 code units, never half of a surrogate pair. */
export function cutUtf16(text: string, units: number): string {
  if (text.length <= units) return text
  const end = Math.max(0, units)
  const last = text.charCodeAt(end - 1)
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? end - 1 : end)
}

/** Excel compares names ignoring case; a name is kept under both foldings to be safe with letters like ß. */
function keys(name: string): string[] {
  return [`l:${name.toLowerCase()}`, `u:${name.toUpperCase()}`]
}

/**
 * A valid name for a new sheet, unique (ignoring case) among the names in `taken`, which it joins.
 * `stem` is shortened first, so a `suffix` (such as 排名) survives; `fallback` stands for an
 * empty stem. Duplicates get _2, _3 … within the 31 characters.
 */
export function sheetName(stem: string, taken: Set<string>, suffix = '', fallback = '工作表'): string {
  let base = clean(stem).replace(ENDS, '')
  let tail = clean(suffix)
  if (base === '' && tail.replace(ENDS, '') === '') base = fallback
  if (tail.length > SHEET_NAME_MAX - 4) {
    base = `${base}${tail}`
    tail = ''
  }
  const used = (name: string): boolean => keys(name).some((k) => taken.has(k)) || RESERVED.some((r) => r.toLowerCase() === name.toLowerCase())
  for (let n = 1; ; n++) {
    const number = n === 1 ? '' : `_${n}`
    const room = SHEET_NAME_MAX - tail.length - number.length
    const name = `${cutUtf16(base, room).replace(ENDS, '')}${tail}${number}`.replace(ENDS, '')
    if (name !== '' && !used(name)) {
      for (const k of keys(name)) taken.add(k)
      return name
    }
  }
}
