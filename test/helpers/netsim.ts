/**
 * A simulated internet in Linux network namespaces (root only), for tests of reachability.
 *
 * - One namespace holds a bridge: the "public internet", on 3fff:1::/64 (IPv6 documentation prefix
 *   3fff::/20, RFC 9637, which libp2p counts as public) and 198.51.100.0/24 (IPv4 documentation
 *   range, which libp2p counts as private: IPv4 publicness is never proven here).
 * - Public hosts sit on that segment.
 * - A home is a router (WAN on the segment, LAN to one host) doing IPv4 NAT with `nft` masquerade
 *   and either NAT66 (host on ULA fd00::/8) or a routed global prefix (3fff:2:N::/64) with no NAT
 *   for IPv6. NAT is port-restricted (Linux conntrack: only replies come in) or symmetric
 *   (`masquerade random`: a new source port per flow).
 * - Every namespace that runs a node has a guard table: any packet to an address outside the
 *   simulation is counted and dropped; `outsidePackets()` reads the counts (tests assert 0).
 *
 * Namespaces are named `sdsim-<pid>-<name>`: removed when the simulation is destroyed, at process
 * exit or interruption (SIGINT, SIGTERM, SIGHUP: an 'exit' listener alone missed these, since the
 * process dies by the signal), and at the start of any later run whose process id no longer exists.
 */
import { execFileSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { onExitOrInterrupt } from './process-groups.ts'
import { CLI, JsonProcess, NODE_FLAGS } from './processes.ts'

const PREFIX = 'sdsim-'
const RUN_DIR = '/var/run/netns'
/** Everything inside the simulation (and loopback, link-local and multicast, which cannot leave a namespace's links). */
const INSIDE4 = '10.0.0.0/8, 127.0.0.0/8, 192.168.0.0/16, 198.51.100.0/24, 203.0.113.0/24, 224.0.0.0/4, 255.255.255.255'
const INSIDE6 = '::1, 3fff::/20, fd00::/8, fe80::/10, ff00::/8'

export interface SimHost {
  /** Namespace name. */
  readonly ns: string
  readonly ip6: string
  readonly ip4: string
}

export interface SimHome {
  readonly router: SimHost
  readonly host: SimHost
}

export interface HomeOptions {
  /** IPv6: NAT66 with the host on ULA (default), or a routed global prefix with no NAT. */
  readonly ipv6?: 'nat66' | 'global'
  /** 'port-restricted' (default) or 'symmetric' (a new source port per flow). */
  readonly nat?: 'port-restricted' | 'symmetric'
}

function run (command: string, args: string[], input?: string): string {
  return execFileSync(command, args, { stdio: ['pipe', 'pipe', 'pipe'], input, encoding: 'utf8' })
}

function namespaces (): string[] {
  try { return readdirSync(RUN_DIR) } catch { return [] }
}

function alive (pid: number): boolean {
  try { process.kill(pid, 0); return true } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM' }
}

/** Deletes the namespaces of simulations whose process is gone (a run that crashed or was killed). */
function removeStale (): void {
  for (const ns of namespaces()) {
    const m = new RegExp(`^${PREFIX}(\\d+)-`).exec(ns)
    if (m != null && (Number(m[1]) === process.pid || !alive(Number(m[1])))) {
      try { run('ip', ['netns', 'delete', ns]) } catch { /* already gone */ }
    }
  }
}

/**
 * Why a simulation cannot be made here, or null when it can: tests skip with this message.
 * Tries a real namespace with a veth pair and an nft table.
 */
export function netsimUnavailable (): string | null {
  if (process.platform !== 'linux') return 'network namespaces need Linux'
  if (process.getuid?.() !== 0) return 'network namespaces need root (CI runs as root)'
  const probe = `${PREFIX}${process.pid}-probe`
  try {
    run('ip', ['netns', 'add', probe])
    run('ip', ['-n', probe, 'link', 'add', 'name', 'probe0', 'type', 'veth', 'peer', 'name', 'probe1'])
    run('ip', ['netns', 'exec', probe, 'nft', '-f', '-'], 'table inet probe {\n chain c {\n  type nat hook postrouting priority srcnat;\n  masquerade\n }\n}\n')
    return null
  } catch (err) {
    return `cannot make network namespaces here (need iproute2 and nftables): ${(err as Error).message.split('\n')[0]}`
  } finally {
    try { run('ip', ['netns', 'delete', probe]) } catch { /* never made */ }
  }
}

export class NetSim {
  readonly #made: string[] = []
  readonly #inet: string
  /** Members of the public segment, with the global prefixes routed through them. */
  readonly #onSegment: Array<{ ns: string, routes: string[], ip6: string }> = []
  #ports = 0
  #homes = 0
  #publics = 0
  /** Removes the namespaces at exit or on SIGINT/SIGTERM/SIGHUP (after the process groups are killed); cancelled by destroy(). */
  readonly #cancelCleanup: () => void

  private constructor () {
    removeStale()
    this.#cancelCleanup = onExitOrInterrupt(() => { this.#removeAll() })
    this.#inet = this.#namespace('inet')
    run('ip', ['-n', this.#inet, 'link', 'add', 'name', 'br0', 'type', 'bridge'])
    run('ip', ['-n', this.#inet, 'link', 'set', 'br0', 'up'])
  }

  static create (): NetSim {
    return new NetSim()
  }

  #namespace (name: string): string {
    const ns = `${PREFIX}${process.pid}-${name}`
    run('ip', ['netns', 'add', ns])
    this.#made.push(ns)
    // No duplicate address detection: a tentative link-local address delays neighbour discovery.
    run('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0'])
    run('ip', ['-n', ns, 'link', 'set', 'lo', 'up'])
    return ns
  }

  /** Joins `ns` to the public segment with interface `wan`. */
  #plug (ns: string, ip6: string, ip4: string): void {
    const port = `p${this.#ports++}`
    run('ip', ['link', 'add', 'wan', 'netns', ns, 'type', 'veth', 'peer', 'name', port, 'netns', this.#inet])
    run('ip', ['-n', this.#inet, 'link', 'set', port, 'master', 'br0', 'up'])
    run('ip', ['-n', ns, 'addr', 'add', `${ip6}/64`, 'dev', 'wan', 'nodad'])
    run('ip', ['-n', ns, 'addr', 'add', `${ip4}/24`, 'dev', 'wan'])
    run('ip', ['-n', ns, 'link', 'set', 'wan', 'up'])
    const member = { ns, routes: [] as string[], ip6 }
    // Learn the global prefixes already routed through other members, and vice versa later.
    for (const other of this.#onSegment) for (const prefix of other.routes) run('ip', ['-n', ns, 'route', 'add', prefix, 'via', other.ip6])
    this.#onSegment.push(member)
  }

  #route (via: { ns: string, ip6: string }, prefix: string): void {
    const member = this.#onSegment.find(m => m.ns === via.ns)!
    member.routes.push(prefix)
    for (const other of this.#onSegment) if (other !== member) run('ip', ['-n', other.ns, 'route', 'add', prefix, 'via', member.ip6])
  }

  #guard (ns: string): void {
    run('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], `table inet guard {
  counter outside {}
  set inside4 { type ipv4_addr; flags interval; elements = { ${INSIDE4} } }
  set inside6 { type ipv6_addr; flags interval; elements = { ${INSIDE6} } }
  set seen4 { type ipv4_addr; size 256; flags dynamic; }
  set seen6 { type ipv6_addr; size 256; flags dynamic; }
  chain output {
    type filter hook output priority 0; policy accept;
    ip daddr != @inside4 add @seen4 { ip daddr } counter name "outside" drop
    ip6 daddr != @inside6 add @seen6 { ip6 daddr } counter name "outside" drop
  }
}
`)
  }

  /** A host on the public internet (3fff:1::/64, 198.51.100.0/24). */
  publicHost (name: string): SimHost {
    const n = 10 + this.#publics++
    const ns = this.#namespace(name)
    const host = { ns, ip6: `3fff:1::${n}`, ip4: `198.51.100.${n}` }
    this.#plug(ns, host.ip6, host.ip4)
    // Default routes to a neighbour that does not exist, so that a packet for an outside address
    // reaches the guard (and is counted) instead of failing the route lookup unseen.
    run('ip', ['-n', ns, 'route', 'add', 'default', 'via', '198.51.100.1'])
    run('ip', ['-n', ns, '-6', 'route', 'add', 'default', 'via', '3fff:1::1'])
    this.#guard(ns)
    return host
  }

  /** A home: a NAT router on the public segment and one host behind it. */
  home (name: string, options: HomeOptions = {}): SimHome {
    const i = ++this.#homes
    const routerNs = this.#namespace(`${name}-gw`)
    const hostNs = this.#namespace(name)
    const router = { ns: routerNs, ip6: `3fff:1::${100 + i}`, ip4: `198.51.100.${100 + i}` }
    this.#plug(routerNs, router.ip6, router.ip4)
    const global = options.ipv6 === 'global'
    const lan6 = global ? `3fff:2:${i}::` : `fd00:${i}::`
    const host = { ns: hostNs, ip6: `${lan6}2`, ip4: `192.168.${i}.2` }
    run('ip', ['link', 'add', 'lan', 'netns', routerNs, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', hostNs])
    run('ip', ['-n', routerNs, 'addr', 'add', `${lan6}1/64`, 'dev', 'lan', 'nodad'])
    run('ip', ['-n', routerNs, 'addr', 'add', `192.168.${i}.1/24`, 'dev', 'lan'])
    run('ip', ['-n', routerNs, 'link', 'set', 'lan', 'up'])
    run('ip', ['-n', hostNs, 'addr', 'add', `${host.ip6}/64`, 'dev', 'eth0', 'nodad'])
    run('ip', ['-n', hostNs, 'addr', 'add', `${host.ip4}/24`, 'dev', 'eth0'])
    run('ip', ['-n', hostNs, 'link', 'set', 'eth0', 'up'])
    run('ip', ['-n', hostNs, 'route', 'add', 'default', 'via', `192.168.${i}.1`])
    run('ip', ['-n', hostNs, '-6', 'route', 'add', 'default', 'via', `${lan6}1`])
    run('ip', ['netns', 'exec', routerNs, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1'])
    if (global) this.#route(router, `${lan6}/64`)
    const masquerade = options.nat === 'symmetric' ? 'masquerade random' : 'masquerade'
    // IPv4 always NATed; IPv6 NATed (NAT66) unless the home has a global prefix. Inbound: only
    // replies to flows started inside (and, with a global prefix, any IPv6, as with no firewall).
    run('ip', ['netns', 'exec', routerNs, 'nft', '-f', '-'], `table inet home {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "wan" meta nfproto ipv4 ${masquerade}
    ${global ? '' : `oifname "wan" meta nfproto ipv6 ${masquerade}`}
  }
  chain forward {
    type filter hook forward priority 0; policy drop;
    ct state established,related accept
    iifname "lan" accept
    ${global ? 'iifname "wan" meta nfproto ipv6 accept' : ''}
  }
}
`)
    this.#guard(hostNs)
    return { router, host }
  }

  /** Packets a namespace's guard dropped because they were addressed outside the simulation. */
  outsidePackets (host: SimHost): number {
    const out = JSON.parse(run('ip', ['netns', 'exec', host.ns, 'nft', '-j', 'list', 'counter', 'inet', 'guard', 'outside'])) as { nftables: Array<{ counter?: { packets: number } }> }
    return out.nftables.find(e => e.counter != null)?.counter?.packets ?? 0
  }

  /** The outside addresses a namespace tried to send to (for the message of a failed check). */
  outsideDestinations (host: SimHost): string[] {
    const seen: string[] = []
    for (const set of ['seen4', 'seen6']) {
      const out = JSON.parse(run('ip', ['netns', 'exec', host.ns, 'nft', '-j', 'list', 'set', 'inet', 'guard', set])) as { nftables: Array<{ set?: { elem?: unknown[] } }> }
      for (const e of out.nftables.find(x => x.set != null)?.set?.elem ?? []) seen.push(typeof e === 'string' ? e : JSON.stringify(e))
    }
    return seen
  }

  /** Runs the swarmdrop CLI in a host's namespace with `--json` (and nothing else added). */
  swarmdrop (host: SimHost, args: string[], env: NodeJS.ProcessEnv = {}): JsonProcess {
    return new JsonProcess('ip', ['netns', 'exec', host.ns, process.execPath, ...NODE_FLAGS, CLI, ...args, '--json'], env)
  }

  /** Runs a command in a namespace and returns its output. */
  exec (host: SimHost, command: string, args: string[]): string {
    return run('ip', ['netns', 'exec', host.ns, command, ...args])
  }

  #removeAll (): void {
    for (const ns of this.#made.splice(0).reverse()) {
      try { run('ip', ['netns', 'delete', ns]) } catch { /* already gone */ }
    }
  }

  /** Removes every namespace of this simulation (kill the processes in them first). */
  destroy (): void {
    this.#removeAll()
    this.#cancelCleanup()
  }
}
