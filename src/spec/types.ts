/**
 * TSGI 1.0 in types: the contract between a server and an application.
 * docs/spec.md is the normative text; every type here names the section it implements.
 * @module
 */

/** A body chunk. Always bytes: strings would leave the encoding to guesswork (spec §2.1). */
export type Chunk = Uint8Array

/** What an application returns: a sync or async iterable of byte chunks (spec §2.1). */
export type Body = Iterable<Chunk> | AsyncIterable<Chunk>

/** A header as a `[name, value]` pair; both strings hold only latin-1 code points (spec §3.2). */
export type Header = [name: string, value: string]

/** The header list passed to `startResponse` (spec §3.2). */
export type HeaderList = Header[]

/**
 * The error an application is handling when it calls `startResponse` a second time
 * (spec §3.4). Any thrown value; `undefined` means "no error".
 */
export type ExcInfo = unknown

/**
 * The `write` callable that `startResponse` returns (spec §3.5). It sends the chunk (and the
 * headers before the first one); the promise settles once the chunk is handed to the transport,
 * so awaiting it gives backpressure. New code should yield chunks instead.
 */
export type Write = (chunk: Chunk) => Promise<void>

/** `startResponse(status, headers, excInfo?)` (spec §3). */
export type StartResponse = (status: string, headers: HeaderList, excInfo?: ExcInfo) => Write

/** The request body stream, `environ['tsgi.input']` (spec §4.3). */
export interface InputStream extends AsyncIterable<Chunk> {
  /** Up to `size` bytes; fewer only at the end of the body. No argument: the rest. Empty at EOF. */
  read(size?: number): Promise<Chunk>
  /** One line including its `\n`, at most `size` bytes when given. Empty at EOF. */
  readline(size?: number): Promise<Chunk>
  /** The remaining lines; stops once about `hint` bytes were read when `hint` is given. */
  readlines(hint?: number): Promise<Chunk[]>
}

/** The error stream, `environ['tsgi.errors']` (spec §4.4). Text, unlike the body. */
export interface ErrorStream {
  write(text: string): void
  writelines(lines: Iterable<string>): void
  flush(): void
}

/** A file opened with `node:fs/promises` `open()`, or a numeric file descriptor. */
export type FileSource = import('node:fs/promises').FileHandle | number

/**
 * The body `tsgi.file_wrapper` returns (spec §4.5). It iterates the file from its current
 * position in blocks, and a server that recognises it may stream the file by a faster path.
 */
export interface FileWrapper extends AsyncIterable<Chunk> {
  readonly source: FileSource
  readonly blockSize: number
  close(): Promise<void>
}

/** `environ['tsgi.file_wrapper']` (spec §4.5). */
export type FileWrapperFactory = (source: FileSource, blockSize?: number) => FileWrapper

/** The `tsgi.version` value for this revision of the spec. */
export type TsgiVersion = readonly [1, 0]

/**
 * The request environment (spec §4): CGI variables as latin-1 strings, `HTTP_*` headers, and the
 * `tsgi.*` keys. Servers and middleware may add lowercase `prefix.name` extension keys.
 */
export interface Environ {
  REQUEST_METHOD: string
  SCRIPT_NAME: string
  PATH_INFO: string
  QUERY_STRING: string
  CONTENT_TYPE?: string
  CONTENT_LENGTH?: string
  SERVER_NAME: string
  SERVER_PORT: string
  SERVER_PROTOCOL: string
  REMOTE_ADDR?: string
  REMOTE_PORT?: string
  RAW_URI?: string
  'tsgi.version': TsgiVersion
  'tsgi.url_scheme': 'http' | 'https'
  'tsgi.input': InputStream
  'tsgi.errors': ErrorStream
  'tsgi.multithread': boolean
  'tsgi.multiprocess': boolean
  'tsgi.run_once': boolean
  'tsgi.signal': AbortSignal
  'tsgi.file_wrapper'?: FileWrapperFactory
  [key: `HTTP_${string}`]: string | undefined
  [key: string]: unknown
}

/** A TSGI application (spec §2). Generator and async generator functions are the idiomatic form. */
export type Application = (environ: Environ, startResponse: StartResponse) => Body | Promise<Body>

/** Middleware: a function from an application to an application (spec §6). */
export type Middleware = (app: Application) => Application

/** A body with a `close()` method, which the server calls once when the response ends (spec §5). */
export interface ClosableBody {
  close(): void | Promise<void>
}
