/**
 * The notice's typeface: Noto Sans SC (SIL OFL) from the npm package
 * @expo-google-fonts/noto-sans-sc, regular and bold as full single-face TTF files; pdfmake
 * embeds only the glyphs a document uses (a notice carries some tens of KB of font).
 *
 * The files are resolved through Node's module resolution from this module, so they are
 * found wherever the package is installed — also from the CLI's bundle, which runs from
 * node_modules/.cache and resolves upwards to the project's node_modules.
 */
import { createRequire } from 'node:module'

/** The pdfmake font key; SVG charts must name the same family (STACK.md). */
export const FONT_KEY = 'NotoSansSC'

/**
 * What the public page asks the browser for: the same design where installed, then common CJK
 * sans fonts. Single quotes only: ECharts copies the list into SVG style attributes unescaped.
 */
export const WEB_FONT_STACK = `'Noto Sans SC', 'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif`

export interface FontFiles {
  regular: string
  bold: string
}

let cached: FontFiles | undefined

export function fontFiles(): FontFiles {
  if (!cached) {
    const require = createRequire(import.meta.url)
    cached = {
      regular: require.resolve('@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf'),
      bold: require.resolve('@expo-google-fonts/noto-sans-sc/700Bold/NotoSansSC_700Bold.ttf'),
    }
  }
  return cached
}
