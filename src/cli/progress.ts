/**
 * A one-line progress report on stderr for long imports: rows read and rows per second, redrawn
 * in place on a terminal and printed every few seconds otherwise (logs, CI).
 */
export function progressLine(label: string, stream: NodeJS.WriteStream = process.stderr): { update(rows: number): void; done(): void } {
  const started = performance.now()
  let lastPrinted = 0
  let rows = 0
  const render = (): string => {
    const seconds = (performance.now() - started) / 1000
    const rate = seconds > 0 ? Math.round(rows / seconds) : 0
    return `${label}: ${rows.toLocaleString('en-US')} rows read, ${rate.toLocaleString('en-US')} rows/s`
  }
  return {
    update(n: number) {
      rows = n
      const now = performance.now()
      if (stream.isTTY) stream.write(`\r${render()}`)
      else if (now - lastPrinted > 5000) {
        lastPrinted = now
        stream.write(`${render()}\n`)
      }
    },
    done() {
      if (rows > 0) stream.write(stream.isTTY ? `\r${render()}\n` : `${render()}\n`)
    },
  }
}
