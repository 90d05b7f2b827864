/**
 * systemd socket activation: systemd binds the sockets of a `.socket` unit, starts the service
 * with them open from file descriptor 3 on, and says so in LISTEN_PID (the pid they are meant
 * for) and LISTEN_FDS (how many). The master then serves those sockets instead of `bind`, as
 * Gunicorn does, and keeps them across reloads: the socket unit owns the addresses.
 * @module
 */

/** The first file descriptor systemd passes (SD_LISTEN_FDS_START). */
const FIRST_FD = 3

/** The variables of the protocol; LISTEN_FDNAMES names the sockets, which tsgi does not need. */
const VARIABLES = ['LISTEN_PID', 'LISTEN_FDS', 'LISTEN_FDNAMES'] as const

/**
 * The sockets systemd passed to this process, as `fd://N` addresses; none when LISTEN_PID
 * names another process (variables inherited from an activated parent), as sd_listen_fds(3)
 * does. When they are this process's, they are removed from `env`, so that neither the workers
 * nor the app take the sockets for theirs. Throws a one-line error when LISTEN_FDS is not a
 * count of sockets.
 */
export function takeListenFds(env: NodeJS.ProcessEnv = process.env, pid = process.pid): string[] {
  if (env.LISTEN_PID === undefined || env.LISTEN_PID !== String(pid)) return []
  const value = env.LISTEN_FDS
  for (const name of VARIABLES) delete env[name]
  if (value === undefined) return []
  if (!/^\d+$/.test(value)) {
    throw new Error(`LISTEN_FDS must be the number of sockets systemd passed, got "${value}"`)
  }
  return Array.from({ length: Number(value) }, (_, i) => `fd://${FIRST_FD + i}`)
}
