/**
 * The two timestamps the logs print, in local time as Gunicorn prints them, each cached for the
 * second it names: a busy worker logs thousands of lines a second and needs one Date per second.
 * @module
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n)
}

/** `+0100`, `-0700`: strftime's `%z` for this date's local offset. */
export function utcOffset(date: Date): string {
  const minutesEast = -date.getTimezoneOffset()
  const sign = minutesEast < 0 ? '-' : '+'
  const abs = Math.abs(minutesEast)
  return sign + pad2(Math.floor(abs / 60)) + pad2(abs % 60)
}

function clockTime(date: Date): string {
  return pad2(date.getHours()) + ':' + pad2(date.getMinutes()) + ':' + pad2(date.getSeconds())
}

/** `[2026-11-23 21:04:05 +0000]`: the error log's `%(asctime)s` with Gunicorn's datefmt. */
export function formatErrorLogTime(date: Date): string {
  const day = `${date.getFullYear()}-${pad2(date.getMonth() + 1)}-${pad2(date.getDate())}`
  return `[${day} ${clockTime(date)} ${utcOffset(date)}]`
}

/** `[10/Oct/2000:13:55:36 -0700]`: the access log's `t` atom (Apache Common Log Format). */
export function formatAccessLogTime(date: Date): string {
  const day = `${pad2(date.getDate())}/${MONTHS[date.getMonth()]}/${date.getFullYear()}`
  return `[${day}:${clockTime(date)} ${utcOffset(date)}]`
}

/** Wraps a formatter so that it formats at most once per wall-clock second. */
export function cachedPerSecond(format: (date: Date) => string): () => string {
  let second = NaN
  let text = ''
  return () => {
    const now = Date.now()
    const current = Math.floor(now / 1000)
    if (current !== second) {
      second = current
      text = format(new Date(now))
    }
    return text
  }
}

export const errorLogNow = cachedPerSecond(formatErrorLogTime)
export const accessLogNow = cachedPerSecond(formatAccessLogTime)
