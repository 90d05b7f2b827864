/**
 * TSGI: the TypeScript gateway interface (docs/spec.md), its reference library and its
 * simple server. The pre-fork production server is the `tsgi` command.
 * @module
 */
export type * from './spec/types.ts'
export { ERROR_CODES, TsgiError, type TsgiErrorCode } from './ref/errors.ts'
export { makeServer, SimpleServer } from './ref/simple-server.ts'
export {
  createRequestHandler,
  REQUEST_HANDLER_SERVER_OPTIONS,
  type ErrorLog,
  type HandlerOptions,
  type RequestHandler,
  type RequestRecord,
} from './core/handler.ts'
export {
  ForwardedScheme,
  DEFAULT_FORWARDED_ALLOW_IPS,
  DEFAULT_SECURE_SCHEME_HEADERS,
  type ForwardedSchemeOptions,
} from './core/forwarded-scheme.ts'
export { ChunkInput, bytesInput } from './core/input.ts'
export { LineErrorStream } from './core/error-stream.ts'
export { fileWrapper, FileBody } from './core/file-wrapper.ts'
export { isHopByHop, parseStatus } from './core/rules.ts'
export { validator, WARNING_CODES, type TsgiWarningCode } from './ref/validate.ts'
export {
  applicationUri,
  guessScheme,
  requestUri,
  setupTestingDefaults,
  shiftPathInfo,
  type PathEnviron,
  type UriEnviron,
} from './ref/util.ts'
export { Headers, type HeaderParams } from './ref/headers.ts'
export { runApp, type AppResult } from './ref/testing.ts'
export { compose } from './middleware/compose.ts'
export {
  closeBody,
  mapBody,
  transformBody,
  TransformedBody,
  type BodyTransform,
} from './middleware/body.ts'
export { showExceptions, type ShowExceptionsOptions } from './middleware/show-exceptions.ts'
export { contentLength, type ContentLengthOptions } from './middleware/content-length.ts'
export { fromFetch, type FetchHandler } from './adapters/from-fetch.ts'
export { toFetch, type ToFetchOptions } from './adapters/to-fetch.ts'
export { defineConfig, type ConfigInput } from './server/config/define.ts'
export type { Config } from './server/config/settings.ts'
