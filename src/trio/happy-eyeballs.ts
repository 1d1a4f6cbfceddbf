/**
 * Trio's Happy Eyeballs (RFC 6555), the connection strategy of `openTcpStream`: the
 * addresses of a host are tried one after another, each attempt starting when the one
 * before it has failed or has been pending for the delay, whichever comes first; the
 * first connection wins and every other attempt is cancelled and its socket closed.
 *
 * The delay runs on the run's clock (a `MockClock` drives it in tests), and the attempts
 * are tasks of one nursery, so a cancel of the caller abandons all of them at once. Like
 * Trio, nothing is cached between calls: each open runs the algorithm afresh.
 */
import { ExceptionGroup } from "../errors/exception-group.js";
import { OSError, toOSError } from "../errors/os-errors.js";
import { openNursery } from "../loop/nursery.js";
import { Event } from "./sync/event.js";
import { moveOnAfter } from "./timeouts.js";

/**
 * @internal Seconds an attempt may stay pending before the next starts alongside it
 * (RFC 6555 reports 300 ms in browsers; Trio picked 250 ms).
 */
export const DEFAULT_HAPPY_EYEBALLS_DELAY = 0.25;

/** @internal Anything a connection attempt may leave behind: closed with `destroy()`. */
export interface Closable {
  destroy(): unknown;
}

/** @internal One address to try. */
export interface HappyEyeballsTarget {
  readonly family: number;
  readonly address: string;
}

/**
 * @internal RFC 6555 section 5.4: when the resolver gives several families, the first
 * two attempts must use different ones, so a broken family (often IPv6) costs one delay
 * at most. Moves the first address of another family than the first one's into second
 * place, in place; everything else keeps the resolver's order.
 */
export function reorderForRfc6555Section54(targets: HappyEyeballsTarget[]): void {
  const first = targets[0];
  if (first === undefined) return;
  const other = targets.findIndex((target) => target.family !== first.family);
  if (other > 1) targets.splice(1, 0, ...targets.splice(other, 1));
}

/** @internal `host:port`, with an IPv6 address in brackets (`[::1]:80`). */
export function formatHostPort(host: string, port: number | string): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * @internal Runs `body` with a set it adds sockets to, then destroys every socket still
 * in the set, whatever the body did (Trio's `close_all`). A socket whose `destroy`
 * throws does not keep the others open: its error is thrown after all are closed (a
 * group when several failed). When the body failed too, nothing is dropped: its error
 * and the closing errors come out together in a group.
 */
export async function closeAll<S extends Closable, R>(body: (toClose: Set<S>) => R | Promise<R>): Promise<R> {
  const toClose = new Set<S>();
  let failed = false;
  let bodyError: unknown;
  let result: R | undefined;
  try {
    result = await body(toClose);
  } catch (error) {
    failed = true;
    bodyError = error;
  }
  const closeErrors: unknown[] = [];
  for (const socket of toClose) {
    try {
      socket.destroy();
    } catch (error) {
      closeErrors.push(error);
    }
  }
  if (failed) {
    if (closeErrors.length > 0) throw new ExceptionGroup("errors closing sockets after a failure", [bodyError, ...closeErrors]);
    throw bodyError;
  }
  if (closeErrors.length === 1) throw closeErrors[0];
  if (closeErrors.length > 1) throw new ExceptionGroup("errors closing sockets", closeErrors);
  return result as R;
}

/**
 * @internal Connects to one of `targets` with Happy Eyeballs and returns `wrap(socket)`
 * for the winner. `connect(target, track)` makes one attempt in its own task: it hands
 * the socket to `track` as soon as it exists (from then on it is closed here unless it
 * wins) and returns it once connected. An attempt that fails with an OSError (or a Node
 * system error) lets the next one start at once; any other error aborts the open.
 * `where` ("host:port") names the destination in errors. Trio-flavored.
 *
 * Errors: no target, an OSError ("no results found..."); one target that failed, its
 * own error; several, an OSError "all attempts to connect to <where> failed" whose
 * `cause` is an ExceptionGroup of every attempt's error, in the order they failed.
 */
export async function happyEyeballs<T extends HappyEyeballsTarget, S extends Closable, R>(
  targets: readonly T[],
  delay: number,
  connect: (target: T, track: (socket: S) => void) => Promise<S>,
  wrap: (socket: S) => R,
  where: string,
): Promise<R> {
  if (targets.length === 0) throw new OSError(`no results found for hostname lookup: ${where}`);
  if (targets.length === 1) return connectOnly(targets[0], connect, wrap);
  const ordered = [...targets];
  reorderForRfc6555Section54(ordered);
  const errors: OSError[] = [];
  // Set from the attempt tasks: a holder, so the compiler does not narrow it to null.
  const won: { socket: S | null } = { socket: null };

  return closeAll<S, R>(async (open) => {
    await openNursery(async (nursery) => {
      const attempt = async (target: T, failed: Event): Promise<void> => {
        try {
          const socket = await connect(target, (s) => open.add(s));
          open.add(socket);
          // Two attempts can connect in the same batch: the first one keeps the win and
          // the later socket stays in `open`, to be closed.
          if (won.socket === null) {
            won.socket = socket;
            nursery.cancelScope.cancel("successfully found a socket");
          }
        } catch (error) {
          const converted = toOSError(error);
          if (!(converted instanceof OSError)) throw error;
          errors.push(converted);
          failed.set();
        }
      };
      for (const target of ordered) {
        const failed = new Event();
        nursery.startSoon({ name: `happy eyeballs attempt to ${target.address}` }, attempt, target, failed);
        await moveOnAfter(delay, () => failed.wait());
      }
    });

    const winner = won.socket;
    if (winner === null) {
      const message = `all attempts to connect to ${where} failed`;
      throw new OSError(message, { cause: new ExceptionGroup(message, errors) });
    }
    // Wrapping may fail (a socket option refused): the winner is then closed like the rest.
    const wrapped = wrap(winner);
    open.delete(winner);
    return wrapped;
  });
}

/**
 * One address: the race has a single runner, so it runs in the caller's task, with no
 * nursery and no delay timer (what every connect to a literal address costs, many
 * times per second in a busy client). Same outcome as the race: the socket, or its
 * error (as an OSError when it is one; any other error in a group, as the race's
 * nursery would have raised it).
 */
async function connectOnly<T extends HappyEyeballsTarget, S extends Closable, R>(
  target: T,
  connect: (target: T, track: (socket: S) => void) => Promise<S>,
  wrap: (socket: S) => R,
): Promise<R> {
  return closeAll<S, R>(async (open) => {
    let socket: S;
    try {
      socket = await connect(target, (s) => open.add(s));
    } catch (error) {
      const converted = toOSError(error);
      throw converted instanceof OSError ? converted : new ExceptionGroup("Exceptions from Trio nursery", [error]);
    }
    open.add(socket);
    const wrapped = wrap(socket);
    open.delete(socket);
    return wrapped;
  });
}
