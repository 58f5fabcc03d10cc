/**
 * What an uploaded photo is, judged from its bytes, never from its name or declared type:
 * JPEG (FF D8 FF), PNG (89 50 4E 47 0D 0A 1A 0A) or WebP ("RIFF" … "WEBP").
 */
export type PhotoType = 'image/jpeg' | 'image/png' | 'image/webp'

export function sniffPhotoType(head: Uint8Array): PhotoType | null {
  const at = (i: number): number => head[i] ?? -1
  if (at(0) === 0xff && at(1) === 0xd8 && at(2) === 0xff) return 'image/jpeg'
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]
  if (png.every((b, i) => at(i) === b)) return 'image/png'
  const ascii = (from: number, to: number): string => String.fromCharCode(...Array.from(head.subarray(from, to)))
  if (head.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'image/webp'
  return null
}

export const SHA256_HEX = /^[0-9a-f]{64}$/
