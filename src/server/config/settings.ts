/**
 * Every setting of the `tsgi` command, declared once. The Config type, the command-line parser,
 * `--help`, config files, TSGI_CMD_ARGS, `--print-config` and docs/settings.md are all derived
 * from this table (Gunicorn's config.py, as data). To add a setting: add it here, then run
 * `npm run docs:settings`.
 * @module
 */
import {
  DEFAULT_FORWARDED_ALLOW_IPS,
  DEFAULT_SECURE_SCHEME_HEADERS,
} from '../../core/forwarded-scheme.ts'
import { setting, type Setting } from './setting.ts'
import {
  bindList,
  headerValues,
  boolean,
  headerCountLimit,
  intBetween,
  nonNegativeInt,
  seconds,
  oneOf,
  optionalAppSpec,
  optionalConfigFile,
  optionalString,
  positiveInt,
  proxyAddressList,
  umask,
  directory,
  string,
} from './validators.ts'

export { SECTIONS, type Section, type Setting, type SettingType } from './setting.ts'

/** Gunicorn's default access log format. */
const ACCESS_LOG_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"'

export const SETTINGS = [
  // Config File
  setting({
    name: 'config',
    section: 'Config File',
    cli: ['-c', '--config'],
    meta: 'FILE',
    type: 'string',
    default: null,
    defaultText: 'the first of ./tsgi.config.{ts,mts,js,mjs,json} found',
    validate: optionalConfigFile,
    doc: `
      The config file to read.

      A \`.ts\`, \`.mts\`, \`.js\` or \`.mjs\` module whose default export is an object of
      settings (\`export default defineConfig({ workers: 4 })\`, with \`defineConfig\` from
      \`tsgi\` for types), or a \`.json\` object. Keys are the camelCase setting names; an
      unknown key is an error. A relative path is relative to the directory tsgi starts in.
      Only the command line or TSGI_CMD_ARGS can name the file; with neither, the default file
      is read when it exists, and no config file is fine.`,
  }),
  setting({
    name: 'app',
    section: 'Config File',
    cli: [],
    positional: true,
    meta: 'MODULE[:EXPORT]',
    type: 'string',
    default: null,
    validate: optionalAppSpec,
    doc: `
      The application to serve, as MODULE[:EXPORT].

      MODULE is a \`.ts\`, \`.mts\`, \`.js\` or \`.mjs\` file (relative to \`chdir\`) or a
      package name; EXPORT is the name of its export (when omitted, \`app\`, or the default
      export of a module without one, as Bun and Deno take \`export default\`), or a call of a
      factory it exports, \`createApp()\` or \`createApp('prod', 2)\` (arguments are string,
      number, boolean or null literals), made once per worker and awaited when it returns a
      promise. It is the command's argument, or \`app\` in the config file (Gunicorn's
      \`wsgi_app\`); \`interface\` says how the app is called. TypeScript loads without
      a build step: Node's own type stripping where it is on by default (Node 22.18 and later),
      tsx elsewhere. Under tsx, as under \`node --import tsx\`, a \`.ts\` file in a package
      without \`"type": "module"\` is compiled to CommonJS, where top-level \`await\` is not
      allowed: use \`.mts\` or set the package type for that.`,
  }),
  setting({
    name: 'interface',
    section: 'Config File',
    cli: ['--interface'],
    meta: 'KIND',
    type: 'string',
    default: 'auto',
    validate: oneOf(['auto', 'tsgi', 'fetch', 'node']),
    doc: `
      How the app is called: auto, tsgi, fetch or node.

      \`tsgi\`: a TSGI app, \`(environ, startResponse)\`. \`fetch\`: a fetch handler,
      \`(request) => Response\`, or an object with a \`fetch\` method (a Hono app, a
      \`{ fetch }\` default export). \`node\`: a \`node:http\` request listener,
      \`(req, res)\` (an Express app, Koa's \`app.callback()\`), or an \`http.Server\`, a Koa
      app or a Fastify app, whose \`upgrade\` listeners then receive WebSocket handshakes.
      \`auto\` (the default) tells them apart by shape, and takes a plain function of two
      parameters, which any of the three could be, for a TSGI app: name the interface when it
      is not one. docs/interfaces/ has a page for each.`,
  }),

  // Debugging
  setting({
    name: 'reload',
    section: 'Debugging',
    cli: ['--reload'],
    type: 'boolean',
    default: false,
    validate: boolean,
    doc: `
      Reload the workers when a source file changes; for development.

      Watches the directory tsgi serves from (\`chdir\`) and the directories under it, except
      \`node_modules\` and those whose name starts with a dot, for changes to \`.ts\`,
      \`.mts\`, \`.cts\`, \`.tsx\`, \`.js\`, \`.mjs\`, \`.cjs\`, \`.jsx\` and \`.json\`
      files. A change logs \`Worker reloading: FILE modified\` and reloads as HUP does: new
      workers load the app afresh, and while the changed app fails to load, the old workers
      keep serving and the error log says why. Read at start; a reload does not turn it on or
      off.`,
  }),

  // Server Socket
  setting({
    name: 'bind',
    section: 'Server Socket',
    cli: ['-b', '--bind'],
    env: 'PORT',
    fromEnv: (port) => [`0.0.0.0:${port}`],
    meta: 'ADDRESS',
    type: 'list',
    default: ['127.0.0.1:8000'],
    validate: bindList,
    doc: `
      The socket to bind; repeat the flag to bind several.

      \`HOST:PORT\`, \`[IPV6]:PORT\`, \`HOST\` (port 8000), \`:PORT\` (every IPv4 interface),
      \`unix:PATH\` or \`fd://N\` (a socket inherited from the parent, such as systemd's).
      \`-b 127.0.0.1:8000 -b [::1]:8000\` serves on both loopback addresses. When no layer sets
      \`bind\` and the \`PORT\` environment variable is set, the default is \`0.0.0.0:$PORT\`,
      as platforms such as Heroku expect.

      An address in use is tried 5 times, a second apart (\`Connection in use\` in the error
      log), as Gunicorn does: a server being replaced often still holds it for a moment.

      Under systemd socket activation (\`LISTEN_PID\` naming the master, \`LISTEN_FDS\` the
      number of sockets from fd 3 on), tsgi serves the sockets systemd passed and \`bind\` is
      not used, as in Gunicorn; a reload keeps them.`,
  }),
  setting({
    name: 'backlog',
    section: 'Server Socket',
    cli: ['--backlog'],
    meta: 'INT',
    type: 'integer',
    default: 2048,
    validate: positiveInt,
    doc: `
      The maximum number of pending connections.

      Connections the kernel has accepted that no worker has taken yet. Beyond this, clients
      get errors. It matters only under heavy load; the kernel may cap it (\`somaxconn\`).`,
  }),
  setting({
    name: 'balance',
    section: 'Server Socket',
    cli: ['--balance'],
    meta: 'STRATEGY',
    type: 'string',
    default: 'shared',
    validate: oneOf(['shared', 'reuseport', 'roundrobin']),
    doc: `
      How connections reach the workers: shared, reuseport or roundrobin.

      \`shared\` (the default): the master owns one socket per address and every worker
      accepts on it; the kernel hands each connection to a waiting worker (Gunicorn's model).
      It works on every Node version and with both worker classes, and a worker that stops
      accepting (reload, max-requests, a busy sync worker) loses no queued connection.
      \`reuseport\`: each worker binds its own \`SO_REUSEPORT\` socket and the kernel spreads
      connections by hash (Gunicorn's \`--reuse-port\`; Linux, Node 22.12 or later, async
      workers only). It spreads long-lived keep-alive connections more evenly, but connections
      queued on a worker's socket when that worker drains are lost. \`roundrobin\`: the master
      accepts every connection and passes it to the workers in turn (node:cluster's default;
      async workers only); even, but the master's single thread carries every new connection.
      DESIGN.md has the numbers.`,
  }),

  // Worker Processes
  setting({
    name: 'workers',
    section: 'Worker Processes',
    cli: ['-w', '--workers'],
    env: 'WEB_CONCURRENCY',
    meta: 'INT',
    type: 'integer',
    default: 1,
    validate: positiveInt,
    doc: `
      The number of worker processes.

      Generally 2 to 4 times the number of CPU cores; tune it to the load. When no layer sets
      \`workers\`, the \`WEB_CONCURRENCY\` environment variable replaces the default, as
      platforms such as Heroku set it.`,
  }),
  setting({
    name: 'workerClass',
    section: 'Worker Processes',
    cli: ['-k', '--worker-class'],
    meta: 'CLASS',
    type: 'string',
    default: 'async',
    validate: oneOf(['async', 'sync']),
    doc: `
      The type of worker: async or sync.

      \`async\`: an event loop serving many connections at once, up to
      \`workerConnections\`; right for apps that wait on I/O. \`sync\`: one request at a time,
      for CPU-bound apps, as Gunicorn's sync worker: a busy worker takes no new connection, so
      connections wait in the queue for an idle worker instead of behind a slow request, and
      there is no keep-alive (every response closes its connection).`,
  }),
  setting({
    name: 'workerConnections',
    section: 'Worker Processes',
    cli: ['--worker-connections'],
    meta: 'INT',
    type: 'integer',
    default: 1000,
    validate: positiveInt,
    doc: `
      The maximum number of simultaneous connections per async worker.

      A worker at the cap stops accepting; further connections wait for a worker below it.
      Ignored by \`sync\` workers, which take one at a time.`,
  }),
  setting({
    name: 'maxRequests',
    section: 'Worker Processes',
    cli: ['--max-requests'],
    meta: 'INT',
    type: 'integer',
    default: 0,
    validate: nonNegativeInt,
    doc: `
      Restart a worker after it has served this many requests; 0 disables.

      A simple bound on memory leaks: the worker is replaced gracefully, without failing a
      request.`,
  }),
  setting({
    name: 'maxRequestsJitter',
    section: 'Worker Processes',
    cli: ['--max-requests-jitter'],
    meta: 'INT',
    type: 'integer',
    default: 0,
    validate: nonNegativeInt,
    doc: `
      The most to add at random to \`maxRequests\`, per worker.

      Each worker restarts after \`maxRequests + random(0, maxRequestsJitter)\` requests, so
      workers started together do not all restart together.`,
  }),
  setting({
    name: 'timeout',
    section: 'Worker Processes',
    cli: ['-t', '--timeout'],
    meta: 'INT',
    type: 'integer',
    default: 30,
    validate: seconds,
    doc: `
      Kill and replace a worker silent for this many seconds; 0 disables.

      A heartbeat timeout, not a request timeout: a worker is silent when its event loop is
      blocked (a CPU-bound request, an endless loop), not merely when a request is slow while
      it awaits I/O. It covers booting too: an app whose import blocks longer than this is
      killed and replaced, again and again, as in Gunicorn.`,
  }),
  setting({
    name: 'gracefulTimeout',
    section: 'Worker Processes',
    cli: ['--graceful-timeout'],
    meta: 'INT',
    type: 'integer',
    default: 30,
    validate: seconds,
    doc: `
      Seconds a stopping worker has to finish its requests before it is killed.

      Counted from the stop or restart signal (TERM, HUP, a scale-down, maxRequests).`,
  }),
  setting({
    name: 'keepAlive',
    section: 'Worker Processes',
    cli: ['--keep-alive'],
    meta: 'INT',
    type: 'integer',
    default: 5,
    validate: seconds,
    doc: `
      Seconds to wait for the next request on a keep-alive connection; 0 disables keep-alive.

      5 rather than Gunicorn's 2: it is Node's own default (\`server.keepAliveTimeout\`), and
      the server should hold an idle connection longer than a proxy in front waits before
      reusing it, or the proxy may send a request just as the server closes the connection.
      Behind a proxy that keeps upstream connections open, set it above the proxy's idle
      timeout. Ignored by \`sync\` workers.`,
  }),
  setting({
    name: 'keepAliveRequests',
    section: 'Worker Processes',
    cli: ['--keep-alive-requests'],
    meta: 'INT',
    type: 'integer',
    default: 0,
    validate: nonNegativeInt,
    doc: `
      Requests served on one keep-alive connection before the worker closes it; 0 (the
      default) means no limit, as in Node and Gunicorn.

      The response that reaches the limit says \`Connection: close\` (nginx's
      \`keepalive_requests\`). It is not what spreads connections over the workers (that is
      \`--rebalance\`): under load, the client's next connection mostly goes to the busiest
      worker, which is awake to accept it. Ignored by \`sync\` workers.`,
  }),
  setting({
    name: 'rebalance',
    section: 'Worker Processes',
    cli: ['--rebalance'],
    meta: 'on|off',
    type: 'string',
    default: 'on',
    validate: oneOf(['on', 'off']),
    doc: `
      Keep the keep-alive connections spread evenly over the workers.

      A keep-alive connection stays with the worker that accepted it: a burst of new
      connections can land mostly on one worker, and a worker added by TTIN or a reload gets
      none of the connections already open. With \`on\`, workers report how many
      connections they hold with each heartbeat; a worker holding more than its share (with
      a twentieth of slack in large pools) stops accepting and closes the excess after their
      next responses (\`Connection: close\`), so the clients reconnect to the other workers.
      Even again within a few heartbeats (DESIGN.md has the numbers). Async workers only.`,
  }),

  // Security
  setting({
    name: 'limitRequestLine',
    section: 'Security',
    cli: ['--limit-request-line'],
    meta: 'INT',
    type: 'integer',
    default: 4094,
    validate: intBetween(0, 8190),
    doc: `
      The maximum size of the HTTP request line in bytes, up to 8190; 0 means no limit but
      Node's own cap on the request head (at most 1 MiB), as in Gunicorn, where 0 is unlimited.

      The request line is the method, the URI with its query string, and the protocol
      version; a longer one is rejected. Like the two limits below, it bounds what a client
      can make a worker hold in memory.`,
  }),
  setting({
    name: 'limitRequestFields',
    section: 'Security',
    cli: ['--limit-request-fields'],
    meta: 'INT',
    type: 'integer',
    default: 100,
    validate: headerCountLimit,
    doc: `
      The maximum number of header fields in a request (at most 32768).

      A request with more is rejected. 0 means the maximum, 32768, as in Gunicorn.`,
  }),
  setting({
    name: 'limitRequestFieldSize',
    section: 'Security',
    cli: ['--limit-request-field-size', '--limit-request-field_size'],
    meta: 'INT',
    type: 'integer',
    default: 8190,
    validate: nonNegativeInt,
    doc: `
      The maximum size of one request header field in bytes; 0 means no limit but Node's own
      cap on the request head (at most 1 MiB).

      A request with a larger field is rejected. \`--limit-request-field_size\` is Gunicorn's
      spelling of the flag.`,
  }),

  // Server Mechanics
  setting({
    name: 'chdir',
    section: 'Server Mechanics',
    cli: ['--chdir'],
    meta: 'DIR',
    type: 'string',
    default: '.',
    defaultText: 'the directory tsgi starts in',
    validate: directory,
    doc: `
      Change to this directory before loading the app.

      MODULE paths are relative to it. A relative value is relative to the directory tsgi
      starts in, as the config file's path is.`,
  }),
  setting({
    name: 'pidfile',
    section: 'Server Mechanics',
    cli: ['-p', '--pid'],
    meta: 'FILE',
    type: 'string',
    default: null,
    validate: optionalString,
    doc: `
      Write the master's process id to this file.

      For sending it signals (\`kill -HUP $(cat FILE)\`); removed when the master exits.`,
  }),
  setting({
    name: 'umask',
    section: 'Server Mechanics',
    cli: ['-m', '--umask'],
    meta: 'INT',
    type: 'integer',
    default: 0,
    validate: umask,
    doc: `
      The permission bits to clear on the Unix sockets tsgi binds: their mode is 0777 minus these.

      Connecting to a Unix socket takes write permission on it, and a proxy in front usually
      runs as another user: the default, 0, lets every user connect, as in Gunicorn. \`-m 007\`
      keeps out the users outside the socket's group (the master's). On the command line a
      leading \`0\` or \`0o\` means octal; in a config file, write a number (\`0o007\` in a
      \`.ts\` file) or the same text. For finer control, put the socket in a directory only the
      proxy can reach.`,
  }),
  setting({
    name: 'forwardedAllowIps',
    section: 'Server Mechanics',
    cli: ['--forwarded-allow-ips'],
    env: 'FORWARDED_ALLOW_IPS',
    meta: 'STRING',
    type: 'string',
    default: DEFAULT_FORWARDED_ALLOW_IPS,
    validate: proxyAddressList,
    doc: `
      The proxies allowed to say a request came over HTTPS, comma separated.

      IP addresses (\`10.0.0.7\`), networks (\`10.0.0.0/8\`, \`fd00::/8\`), or \`*\` for any
      peer, which is only safe when no client can reach tsgi but through the proxy. A request
      from one of them, or over a Unix socket, whose headers include one of
      \`secureSchemeHeaders\` gets the scheme they say: \`tsgi.url_scheme\` for a TSGI app, the
      scheme of \`request.url\` for a fetch handler. Scheme headers that disagree get a 400. A
      Node handler reads the headers through its framework instead (Express's \`trust proxy\`).
      The default, the loopback addresses, suits nginx on the same machine sending
      \`proxy_set_header X-Forwarded-Proto $scheme\`. The client's address stays the
      connection's (\`REMOTE_ADDR\`), as in Gunicorn: an app that wants the one in
      \`X-Forwarded-For\` reads it itself.`,
  }),
  setting({
    name: 'secureSchemeHeaders',
    section: 'Server Mechanics',
    cli: [],
    type: 'map',
    default: DEFAULT_SECURE_SCHEME_HEADERS,
    defaultText: 'X-Forwarded-Protocol: ssl, X-Forwarded-Proto: https, X-Forwarded-Ssl: on',
    validate: headerValues,
    doc: `
      The headers a trusted proxy marks an HTTPS request with, and the value that means HTTPS.

      An object of header names to values, in a config file only, as in Gunicorn
      (\`secureSchemeHeaders: { 'X-Forwarded-Proto': 'https' }\`). Names are matched in any
      case, values exactly: any other value means HTTP. \`{}\` turns the headers off. Only
      requests from \`forwardedAllowIps\` are read for them.`,
  }),
  setting({
    name: 'checkConfig',
    section: 'Server Mechanics',
    cli: ['--check-config'],
    type: 'boolean',
    default: false,
    validate: boolean,
    doc: `
      Check the configuration and the app, then exit.

      Reads every setting, opens the log files (creating them, as serving would) and loads
      the app as a worker would, without binding or starting anything; exits 0 when all is
      well, or 1 with a message saying what is wrong.`,
  }),
  setting({
    name: 'printConfig',
    section: 'Server Mechanics',
    cli: ['--print-config'],
    type: 'boolean',
    default: false,
    validate: boolean,
    doc: `
      Print every setting's effective value, then exit.

      One \`name = value\` line per setting, in JSON, with the source of each value that is
      not the default. As in Gunicorn it implies \`checkConfig\` when an app is named: the app
      is loaded too, and a failure exits 1.`,
  }),

  // Logging
  setting({
    name: 'accessLog',
    section: 'Logging',
    cli: ['--access-logfile'],
    meta: 'FILE',
    type: 'string',
    default: null,
    validate: optionalString,
    doc: `
      The access log file; \`-\` means standard output.

      No access log by default.`,
  }),
  setting({
    name: 'accessLogFormat',
    section: 'Logging',
    cli: ['--access-logformat'],
    meta: 'STRING',
    type: 'string',
    default: ACCESS_LOG_FORMAT,
    validate: string,
    doc: `
      The access log format, in Gunicorn's \`%(atom)s\` notation.

      The default is Gunicorn's: remote address, \`-\`, user, time, request line, status,
      response length, referer and user agent.`,
  }),
  setting({
    name: 'errorLog',
    section: 'Logging',
    cli: ['--error-logfile', '--log-file'],
    meta: 'FILE',
    type: 'string',
    default: '-',
    validate: string,
    doc: `
      The error log file; \`-\` means standard error.

      The server's own messages: start, stop, worker events and application errors.`,
  }),
  setting({
    name: 'logLevel',
    section: 'Logging',
    cli: ['--log-level'],
    meta: 'LEVEL',
    type: 'string',
    default: 'info',
    validate: oneOf(['debug', 'info', 'warning', 'error', 'critical']),
    doc: `
      The least severe error log messages to write.

      One of debug, info, warning, error and critical, in any case.`,
  }),

  // Process Naming
  setting({
    name: 'procName',
    section: 'Process Naming',
    cli: ['-n', '--name'],
    meta: 'STRING',
    type: 'string',
    default: null,
    validate: optionalString,
    doc: `
      A name for the server's processes, as \`ps\` shows them.

      It tells apart several tsgi servers on one machine (Gunicorn's \`proc_name\`); without
      it, the process titles name the app.`,
  }),
] as const satisfies readonly Setting[]

type AnySetting = (typeof SETTINGS)[number]

/** The name of a setting (camelCase, as in config files). */
export type SettingName = AnySetting['name']

/** The effective configuration: every setting's validated value, frozen. */
export type Config = {
  readonly [S in AnySetting as S['name']]: ReturnType<S['validate']>
}

/** A setting by name. */
export const SETTINGS_BY_NAME: ReadonlyMap<string, Setting> = new Map(
  SETTINGS.map((entry) => [entry.name, entry as Setting])
)
