import { z } from 'zod';
import { AddressFamily } from './probe';

/** One listening TCP socket, whatever tool reported it (ss, /proc/net/tcp, netstat, lsof). */
export const Listener = z.object({
  address: z.string(),
  port: z.number().int().min(0).max(65535),
  family: AddressFamily,
  /** null when the source cannot tell (e.g. /proc/net/tcp6 shows `::` for both). */
  v6only: z.boolean().nullable(),
  /** Bound device (`0.0.0.0%lo`), when the source shows it. */
  device: z.string().nullable(),
  uid: z.number().int().nullable(),
  inode: z.number().int().nullable(),
  processes: z.array(z.object({ name: z.string(), pid: z.number().int() })),
  /** The owning process's cgroup (`ss -e`: /system.slice/nginx.service), when the source shows it. */
  cgroup: z.string().nullable().optional(),
});
export type Listener = z.infer<typeof Listener>;

export const ListenerTable = z.discriminatedUnion('status', [
  z.object({ status: z.literal('ok'), source: z.string(), listeners: z.array(Listener) }),
  z.object({ status: z.literal('unavailable'), source: z.string(), reason: z.string() }),
]);
export type ListenerTable = z.infer<typeof ListenerTable>;
