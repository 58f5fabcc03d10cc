/**
 * Text that can be stored and read back as it was sent: no NUL (U+0000), which PostgreSQL's
 * text refuses, and no lone UTF-16 surrogate (half of a pair is not a character; encoders turn
 * it into U+FFFD, so what is stored would silently differ from what was sent).
 */

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Why a text cannot be stored, or null when it can. */
export function textProblem(text: string): string | null {
  if (text.includes('\u0000')) return 'must not contain the NUL character (U+0000)'
  if (LONE_SURROGATE.test(text)) return 'must not contain a lone surrogate (U+D800–U+DFFF), which is not a character'
  return null
}

/**
 * Why a text cannot be stored in a record field, or null: textProblem, and what XML cannot hold
 * either, so it would break the workbook and the notices a record's text is written into — the
 * other C0 controls (tab, line feed and carriage return are fine) and the non-characters
 * U+FFFE and U+FFFF.
 */
export function recordTextProblem(text: string): string | null {
  const stored = textProblem(text)
  if (stored !== null) return stored
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return `must not contain the control character U+${c.toString(16).padStart(4, '0').toUpperCase()}`
    if (c === 0xfffe || c === 0xffff) return `must not contain the non-character U+${c.toString(16).toUpperCase()}`
  }
  return null
}

/**
 * An escaped NUL, or an escaped surrogate that is not half of an escaped pair: the only ways
 * JSON text can spell what textProblem refuses (JSON forbids a raw NUL in a string, and decoding
 * UTF-8 never yields a lone surrogate). A low half counts as paired only after a high escape that
 * is itself an escape (an odd run of backslashes), so `\\ud83d\udc00` is not mistaken for a pair.
 */
const MAY_HOLD_UNSTORABLE = /\\u0000|\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F])|(?<!(?:^|[^\\])(?:\\\\)*\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F]/

/**
 * Whether JSON text may hold a string textProblem refuses: one scan of the text, far cheaper than
 * visiting every string of a large parsed body (a batch of 5,000 findings, 1.5 MB: 0.05 ms
 * without any `\u` escape, about 1.2 ms when every Chinese character is escaped, against 7 ms to
 * parse it). Never false when such a string is there; when true, findUnstorableText decides.
 */
export function mayHoldUnstorableText(json: string): boolean {
  return json.includes('\\u') && MAY_HOLD_UNSTORABLE.test(json)
}

/**
 * The keys and string values of a parsed JSON document that textProblem refuses, with their
 * paths (`findings[3].note`), in document order, at most `max` of them. Walks with its own
 * stack, so a deeply nested document cannot exhaust the call stack.
 */
export function findUnstorableText(value: unknown, max = 100): { path: string; message: string }[] {
  const found: { path: string; message: string }[] = []
  // A refused field name is queued as its finding, so findings keep document order.
  const stack: ({ value: unknown; path: string } | { found: { path: string; message: string } })[] = [{ value, path: '' }]
  const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`)
  for (let item = stack.pop(); item !== undefined && found.length < max; item = stack.pop()) {
    if ('found' in item) {
      found.push(item.found)
      continue
    }
    const v = item.value
    if (typeof v === 'string') {
      const message = textProblem(v)
      if (message) found.push({ path: item.path, message })
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], path: `${item.path}[${i}]` })
    } else if (typeof v === 'object' && v !== null) {
      const entries = Object.entries(v as Record<string, unknown>)
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i]!
        const message = textProblem(key)
        stack.push(message ? { found: { path: join(item.path, JSON.stringify(key)), message: `field name ${message}` } } : { value: child, path: join(item.path, key) })
      }
    }
  }
  return found
}
