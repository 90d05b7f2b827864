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
  type ErrorLog,
  type HandlerOptions,
  type RequestHandler,
  type RequestRecord,
} from './core/handler.ts'
export { ChunkInput, bytesInput } from './core/input.ts'
export { LineErrorStream } from './core/error-stream.ts'
export { fileWrapper, FileBody } from './core/file-wrapper.ts'
export { isHopByHop, parseStatus } from './core/rules.ts'
