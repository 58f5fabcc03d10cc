/**
 * The part of pdfmake 0.3's server API that civindex uses (the package ships no types).
 * Document definitions are plain objects, described in src/reports/pdf.ts.
 */
declare module 'pdfmake' {
  interface FontFaces {
    normal: string
    bold: string
    italics: string
    bolditalics: string
  }
  interface OutputDocument {
    getBuffer(): Promise<Buffer>
  }
  interface PdfMake {
    /** Process-wide: every later createPdf uses these fonts. */
    setFonts(fonts: Record<string, FontFaces>): void
    /** Called for every URL a document refers to; false refuses the download. */
    setUrlAccessPolicy(policy: ((url: string) => boolean) | undefined): void
    /** Called for every local file a document (or font) refers to; false refuses the read. */
    setLocalAccessPolicy(policy: ((path: string) => boolean) | undefined): void
    createPdf(definition: object, options?: object): OutputDocument
  }
  const pdfmake: PdfMake
  export default pdfmake
}
