/**
 * The pre-fork server's logs: the error log and the Gunicorn-format access log.
 * @module
 */
export { AccessLog } from './access-log.ts'
export type { AccessLogOptions, AccessRecord } from './access-log.ts'
export { ErrorLog, LOG_LEVELS, describeError, isLogLevel } from './error-log.ts'
export type { ErrorLogOptions, LogLevel } from './error-log.ts'
export {
  AccessLogFormatError,
  DEFAULT_ACCESS_LOG_FORMAT,
  compileAccessLogFormat,
} from './format.ts'
export type { AccessFormatter } from './format.ts'
export { escapeLogValue } from './escape.ts'
export { LogFile } from './log-file.ts'
export type { LogFileOptions } from './log-file.ts'
