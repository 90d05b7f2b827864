import assert from 'node:assert/strict'
import { afterEach, describe, it, mock } from 'node:test'
import { cachedPerSecond, formatAccessLogTime, formatErrorLogTime, utcOffset } from './clock.ts'

// Node re-reads TZ whenever it is assigned; each test file runs in its own process.
const originalTz = process.env.TZ
function inZone(tz: string): void {
  process.env.TZ = tz
}

// 2000-10-10 20:55:36 UTC, the instant of Apache's documentation example in -0700.
const APACHE_EXAMPLE = new Date(Date.UTC(2000, 9, 10, 20, 55, 36))

describe('log timestamps', () => {
  afterEach(() => {
    if (originalTz === undefined) delete process.env.TZ
    else process.env.TZ = originalTz
    mock.timers.reset()
  })

  it('formats the access log time as Apache Common Log Format, in local time', () => {
    inZone('America/Los_Angeles')
    assert.equal(formatAccessLogTime(APACHE_EXAMPLE), '[10/Oct/2000:13:55:36 -0700]')
    inZone('UTC')
    assert.equal(formatAccessLogTime(APACHE_EXAMPLE), '[10/Oct/2000:20:55:36 +0000]')
  })

  it('formats the error log time as Gunicorn does: [%Y-%m-%d %H:%M:%S %z]', () => {
    inZone('America/Los_Angeles')
    assert.equal(formatErrorLogTime(APACHE_EXAMPLE), '[2000-10-10 13:55:36 -0700]')
    inZone('UTC')
    const newYear = new Date(Date.UTC(2026, 0, 2, 3, 4, 5))
    assert.equal(formatErrorLogTime(newYear), '[2026-01-02 03:04:05 +0000]')
    assert.equal(formatAccessLogTime(newYear), '[02/Jan/2026:03:04:05 +0000]')
  })

  it('prints offsets with minutes, east positive', () => {
    inZone('Asia/Kolkata')
    assert.equal(utcOffset(APACHE_EXAMPLE), '+0530')
    inZone('America/St_Johns')
    assert.equal(utcOffset(new Date(Date.UTC(2026, 0, 15))), '-0330')
  })

  it('formats once per second and again when the second changes', () => {
    mock.timers.enable({ apis: ['Date'], now: 1_000_000 })
    const seen: number[] = []
    const now = cachedPerSecond((date) => {
      seen.push(date.getTime())
      return String(date.getTime())
    })
    assert.equal(now(), '1000000')
    mock.timers.tick(999)
    assert.equal(now(), '1000000')
    mock.timers.tick(1)
    assert.equal(now(), '1001000')
    assert.deepEqual(seen, [1_000_000, 1_001_000])
  })
})
