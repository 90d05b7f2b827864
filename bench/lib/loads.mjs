// The loads: what the load generator asks of every server. bench/README.md says what each
// measures and which number matters.
export const LOADS = [
  {
    id: 'hello-keepalive',
    short: 'keep-alive',
    title: 'keep-alive hello',
    path: '/',
    connections: 50,
    matters: 'req/s: the per-request cost of the server itself',
  },
  {
    id: 'hello-close',
    short: 'conn. close',
    title: 'connection-close hello',
    path: '/',
    connections: 50,
    close: true,
    matters: 'req/s: the cost of accepting a connection and spreading it to a worker',
  },
  {
    id: 'body-64k',
    short: '64 KiB body',
    title: '64 KiB response',
    path: '/64k',
    connections: 50,
    matters: 'req/s: writing a larger body',
  },
  {
    id: 'post-1m',
    short: '1 MiB POST',
    title: '1 MiB POST echo',
    path: '/echo',
    method: 'POST',
    bodyBytes: 1024 * 1024,
    connections: 10,
    matters: 'req/s: reading a large request body and sending it back',
  },
  {
    id: 'stream-100',
    short: '100 chunks',
    title: 'response streamed in 100 chunks',
    path: '/stream',
    connections: 50,
    matters: 'req/s: the per-chunk cost of a streamed body',
  },
  {
    id: 'wait-1ms',
    short: '1 ms wait',
    title: '1 ms async wait, 200 connections',
    path: '/wait',
    connections: 200,
    matters: 'req/s and p99: concurrency of I/O-bound requests',
  },
  {
    id: 'cpu-2ms',
    short: '2 ms CPU',
    title: '2 ms CPU burn',
    path: '/cpu',
    connections: 50,
    matters: 'p99: how CPU-bound requests queue (sync workers should win on the tail)',
  },
]

/** The loads of the quick run (`npm run bench`). */
export const QUICK_LOADS = ['hello-keepalive', 'hello-close']
