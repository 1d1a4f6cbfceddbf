// Trio's subprocess API on node:child_process. Ported from python-trio/trio
// src/trio/_tests/test_subprocess.py (the children are `node -e` scripts instead of
// `python -c`), plus tests of our own.
import { randomBytes } from "node:crypto";
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ValueError } from "../../src/errors/builtins.js";
import { FlavorError } from "../../src/flavor/flavor-error.js";
import * as trio from "../../src/trio/index.js";

const { openProcess } = trio.lowlevel;
const { waitAllTasksBlocked } = trio.testing;
const { PIPE, DEVNULL, STDOUT } = trio.subprocessConstants;

const node = (code: string): string[] => [process.execPath, "-e", code];
const EXIT_TRUE = node("process.exit(0)");
const EXIT_FALSE = node("process.exit(1)");
const CAT = node("process.stdin.pipe(process.stdout)");
const SLEEP_FOREVER = node("setInterval(() => {}, 1e6)");
const COPY_STDIN_TO_STDOUT_AND_BACKWARD_TO_STDERR = node(
  "const c = []; process.stdin.on('data', (d) => c.push(d)); process.stdin.on('end', () => {" +
    " const b = Buffer.concat(c); process.stdout.write(b); process.stderr.write(Buffer.from(b).reverse()); });",
);
const text = (bytes: Uint8Array | null): string | null => (bytes === null ? null : Buffer.from(bytes).toString());

type Body = (proc: trio.Process) => Promise<void>;
type Background = (command: string[], options: trio.OpenProcessOptions, body: Body) => Promise<trio.Process>;

/** Trio's `open_process_then_kill`. */
const openProcessThenKill: Background = async (command, options, body) => {
  const proc = await openProcess(command, options);
  try {
    await body(proc);
  } finally {
    proc.kill();
    await proc.wait();
  }
  return proc;
};

/** Trio's `run_process_in_nursery`. */
const runProcessInNursery: Background = async (command, options, body) => {
  let proc!: trio.Process;
  await trio.openNursery(async (nursery) => {
    proc = await nursery.start((taskStatus: trio.TaskStatus<trio.Process>) => trio.runProcess(command, { ...options, check: false, taskStatus }));
    await body(proc);
    nursery.cancelScope.cancel();
  });
  return proc;
};

const BACKGROUND: [string, Background][] = [
  ["openProcess", openProcessThenKill],
  ["runProcess in nursery", runProcessInNursery],
];

async function readAll(stream: trio.abc.ReceiveStream): Promise<string> {
  let seen = "";
  for await (const chunk of stream) seen += Buffer.from(chunk).toString();
  return seen;
}

async function collectWarnings(fn: () => Promise<void>): Promise<string[]> {
  const warnings: string[] = [];
  const onWarning = (w: Error): void => void warnings.push(`${w.name}: ${w.message}`);
  process.on("warning", onWarning);
  try {
    await fn();
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off("warning", onWarning);
  }
  return warnings;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe.each(BACKGROUND)("background process (%s)", (_name, background) => {
  it("basic: wait, returncode, toString", async () => {
    await trio.run(async () => {
      let proc = await background(EXIT_TRUE, {}, async (p) => void (await p.wait()));
      expect(proc).toBeInstanceOf(trio.Process);
      expect(proc.returncode).toBe(0);
      expect(String(proc)).toBe(`<trio.Process ${JSON.stringify(EXIT_TRUE)}: exited with status 0>`);
      proc = await background(EXIT_FALSE, {}, async (p) => void (await p.wait()));
      expect(proc.returncode).toBe(1);
      expect(String(proc)).toBe(`<trio.Process ${JSON.stringify(EXIT_FALSE)}: exited with status 1>`);
    });
  });

  it("returncode updates by itself, without wait()", async () => {
    await trio.run(async () => {
      await background(SLEEP_FOREVER, {}, async (p) => {
        expect(p.returncode).toBeNull();
        expect(String(p)).toContain("running");
        p.kill();
        await trio.failAfter(5, async () => {
          while (p.poll() === null) await trio.sleep(0.005);
        });
        expect(p.returncode).toBe(-9);
        expect(String(p)).toContain("exited with signal 9");
      });
    });
  });

  it("several tasks wait at once, and a cancelled wait leaves the process alone", async () => {
    const results: number[] = [];
    await trio.run(async () => {
      await background(SLEEP_FOREVER, {}, async (proc) => {
        await trio.openNursery(async (nursery) => {
          for (let i = 0; i < 3; i++) nursery.startSoon(() => proc.wait());
          await waitAllTasksBlocked();
          nursery.cancelScope.cancel();
        });
        expect(proc.returncode).toBeNull();
        await trio.openNursery(async (nursery) => {
          for (let i = 0; i < 3; i++) nursery.startSoon(async () => void results.push(await proc.wait()));
          await waitAllTasksBlocked();
          proc.kill();
        });
      });
    });
    expect(results).toEqual([-9, -9, -9]);
  });

  it("pipes: stdin, stdout and stderr as Trio streams", async () => {
    const msg = "the quick brown fox jumps over the lazy dog";
    await trio.run(async () => {
      await background(COPY_STDIN_TO_STDOUT_AND_BACKWARD_TO_STDERR, { stdin: PIPE, stdout: PIPE, stderr: PIPE }, async (proc) => {
        const seen: Record<string, string> = {};
        await trio.failAfter(10, () =>
          trio.openNursery(async (nursery) => {
            nursery.startSoon(async () => {
              await proc.stdin!.sendAll(msg);
              await proc.stdin!.aclose();
            });
            nursery.startSoon(async () => void (seen.out = await readAll(proc.stdout!)));
            nursery.startSoon(async () => void (seen.err = await readAll(proc.stderr!)));
          }),
        );
        expect(seen).toEqual({ out: msg, err: [...msg].reverse().join("") });
        expect(await proc.wait()).toBe(0);
      });
    });
  });

  it("interactive: back and forth with the child", async () => {
    // in: N\n -> out: N copies of digit 2*idx, err: 2N copies of digit 2*idx+1
    const script = node(
      "let idx = 0, buf = ''; process.stdin.on('data', (d) => { buf += d; let i;" +
        " while ((i = buf.indexOf('\\n')) >= 0) { const n = parseInt(buf.slice(0, i)); buf = buf.slice(i + 1);" +
        " process.stdout.write(String(idx * 2).repeat(n) + '\\n'); process.stderr.write(String(idx * 2 + 1).repeat(n * 2) + '\\n'); idx++; } });",
    );
    await trio.run(async () => {
      const proc = await background(script, { stdin: PIPE, stdout: PIPE, stderr: PIPE }, async (proc) => {
        const drainOne = async (stream: trio.abc.ReceiveStream, count: number, digit: number): Promise<void> => {
          while (count > 0) {
            const result = Buffer.from(await stream.receiveSome(count)).toString();
            expect(result).toBe(String(digit).repeat(result.length));
            count -= result.length;
          }
          expect(Buffer.from(await stream.receiveSome(1)).toString()).toBe("\n");
        };
        const expectReply = (idx: number, request: number): Promise<unknown> =>
          trio.openNursery(async (nursery) => {
            nursery.startSoon(drainOne, proc.stdout!, request, idx * 2);
            nursery.startSoon(drainOne, proc.stderr!, request * 2, idx * 2 + 1);
          });
        await trio.failAfter(10, async () => {
          await proc.stdin!.sendAll("12");
          await trio.sleep(0.02);
          await proc.stdin!.sendAll("345\n");
          await expectReply(0, 12345);
          await proc.stdin!.sendAll("100\n200\n");
          await expectReply(1, 100);
          await expectReply(2, 200);
          await proc.stdin!.sendAll("0\n");
          await expectReply(3, 0);
          await proc.stdin!.sendAll("99999");
          const missed = await trio.moveOnAfter(0.03, () => expectReply(4, 0));
          expect(missed).toBeUndefined();
          await proc.stdin!.sendAll("\n");
          await expectReply(4, 99999);
          await proc.stdin!.aclose();
          expect((await proc.stdout!.receiveSome(1)).length).toBe(0);
          expect((await proc.stderr!.receiveSome(1)).length).toBe(0);
          await proc.wait();
        });
      });
      expect(proc.returncode).toBe(0);
    });
  });

  it("stderr: STDOUT merges stderr into the stdout pipe, in order", async () => {
    await trio.run(async () => {
      let proc = await background(COPY_STDIN_TO_STDOUT_AND_BACKWARD_TO_STDERR, { stdin: PIPE, stdout: PIPE, stderr: STDOUT }, async (proc) => {
        expect(proc.stdio).toBeInstanceOf(trio.StapledStream);
        expect(proc.stdout).not.toBeNull();
        expect(proc.stderr).toBeNull();
        await proc.stdio!.sendAll("1234");
        await proc.stdio!.sendEof();
        let output = "";
        for (;;) {
          const chunk = await proc.stdio!.receiveSome(16);
          if (chunk.length === 0) break;
          output += Buffer.from(chunk).toString();
        }
        expect(output).toBe("12344321");
        await proc.wait();
      });
      expect(proc.returncode).toBe(0);

      // stderr: STDOUT with stdout not redirected (CAT prints nothing: its input is empty)
      proc = await background(CAT, { stdin: PIPE, stderr: STDOUT }, async (proc) => {
        expect(proc.stdout).toBeNull();
        expect(proc.stderr).toBeNull();
        expect(proc.stdio).toBeNull();
        await proc.stdin!.aclose();
        await proc.wait();
      });
      expect(proc.returncode).toBe(0);

      // stdout to a file descriptor, stderr following it
      const dir = mkdtempSync(join(tmpdir(), "trio-process-"));
      const file = join(dir, "out");
      const fd = openSync(file, "w");
      try {
        proc = await background(COPY_STDIN_TO_STDOUT_AND_BACKWARD_TO_STDERR, { stdin: PIPE, stdout: fd, stderr: STDOUT }, async (proc) => {
          expect(proc.stdio).toBeNull();
          expect(proc.stdout).toBeNull();
          expect(proc.stderr).toBeNull();
          await proc.stdin!.sendAll("1234");
          await proc.stdin!.aclose();
          expect(await proc.wait()).toBe(0);
        });
        expect(readFileSync(file, "utf8")).toBe("12344321");
      } finally {
        closeSync(fd);
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  it("signals: kill, terminate, sendSignal give -signum", async () => {
    const codes: (number | null)[] = [];
    await trio.run(async () => {
      // SIGUSR2 rather than Trio's SIGUSR1: Node starts its inspector on SIGUSR1.
      for (const sendIt of [(p: trio.Process) => p.kill(), (p: trio.Process) => p.terminate(), (p: trio.Process) => p.sendSignal("SIGUSR2")]) {
        let proc: trio.Process | undefined;
        const scope = new trio.CancelScope({ relativeDeadline: 5 });
        await scope.run(async () => {
          proc = await background(SLEEP_FOREVER, {}, async (p) => {
            sendIt(p);
            await p.wait();
          });
        });
        expect(scope.cancelledCaught).toBe(false);
        codes.push(proc!.returncode);
      }
    });
    expect(codes).toEqual([-9, -15, -12]);
  });
});

describe("runProcess", () => {
  it("feeds input, captures output (256 KiB through cat)", async () => {
    const data = randomBytes(2 ** 18);
    await trio.run(async () => {
      let result = await trio.runProcess(CAT, { input: data, captureStdout: true, captureStderr: true });
      expect(result).toBeInstanceOf(trio.CompletedProcess);
      expect(result.args).toEqual(CAT);
      expect(result.returncode).toBe(0);
      expect(Buffer.compare(result.stdout!, data)).toBe(0);
      expect(result.stderr!.length).toBe(0);

      result = await trio.runProcess(CAT, { captureStdout: true });
      expect(result.returncode).toBe(0);
      expect(result.stdout!.length).toBe(0);
      expect(result.stderr).toBeNull();

      result = await trio.runProcess(COPY_STDIN_TO_STDOUT_AND_BACKWARD_TO_STDERR, { stdin: data, captureStdout: true, captureStderr: true });
      expect(Buffer.compare(result.stdout!, data)).toBe(0);
      expect(Buffer.compare(result.stderr!, Buffer.from(data).reverse())).toBe(0);

      result = await trio.runProcess(COPY_STDIN_TO_STDOUT_AND_BACKWARD_TO_STDERR, { input: "1234", captureStdout: true, stderr: STDOUT });
      expect(text(result.stdout)).toBe("12344321");
      expect(result.stderr).toBeNull();
    });
  });

  it("rejects invalid combinations with Trio's errors", async () => {
    await trio.run(async () => {
      await expect(trio.runProcess(CAT, { stdin: "oh no, it's text" as never })).rejects.toThrow(TypeError);
      await expect(trio.runProcess(CAT, { stdin: PIPE })).rejects.toThrow(
        /^stdin: "pipe" is only valid with nursery\.start, since that's the only way to access the pipe; use nursery\.start or pass the data you want to write as input$/,
      );
      await expect(trio.runProcess(CAT, { stdout: PIPE })).rejects.toThrow(/^stdout: "pipe" is only valid with nursery\.start, since that's the only way to access the pipe$/);
      await expect(trio.runProcess(CAT, { stderr: PIPE })).rejects.toThrow(/^stderr: "pipe" is only valid with nursery\.start/);
      await expect(trio.runProcess(CAT, { captureStdout: true, stdout: DEVNULL })).rejects.toThrow(/^can't specify both stdout and captureStdout$/);
      await expect(trio.runProcess(CAT, { captureStderr: true, stderr: null })).rejects.toThrow(/^can't specify both stderr and captureStderr$/);
      await expect(trio.runProcess(CAT, { input: "x", stdin: DEVNULL })).rejects.toThrow(/stdin and input arguments may not both be used/);
      await expect(trio.runProcess(CAT, { check: "yes" as never })).rejects.toThrow(TypeError);
      await expect(trio.runProcess(CAT, { deliverCancel: 5 as never })).rejects.toThrow(TypeError);
      await expect(trio.runProcess(CAT, { bogus: 1 } as never)).rejects.toThrow(/unknown option "bogus"/);
      const error = await trio.runProcess(CAT, { stdout: PIPE }).catch((e: unknown) => e);
      expect((error as Error).name).toBe("ValueError");
    });
  });

  it("check: a non-zero exit throws CalledProcessError with the captured output", async () => {
    const cmd = node("process.stderr.write('test\\n'); process.exitCode = 1");
    await trio.run(async () => {
      const error = (await trio.runProcess(cmd, { stdin: DEVNULL, captureStderr: true }).catch((e: unknown) => e)) as trio.CalledProcessError;
      expect(error).toBeInstanceOf(trio.CalledProcessError);
      expect(error.name).toBe("CalledProcessError");
      expect(error.cmd).toEqual(cmd);
      expect(error.returncode).toBe(1);
      expect(text(error.stderr)).toBe("test\n");
      expect(error.stdout).toBeNull();
      expect(error.output).toBeNull();
      expect(error.message).toBe(`Command ${JSON.stringify(cmd)} returned non-zero exit status 1.`);

      const result = await trio.runProcess(cmd, { captureStdout: true, captureStderr: true, check: false });
      expect(result.args).toEqual(cmd);
      expect(text(result.stdout)).toBe("");
      expect(text(result.stderr)).toBe("test\n");
      expect(result.returncode).toBe(1);
      expect(() => result.checkReturncode()).toThrow(trio.CalledProcessError);
    });
    expect(new trio.CalledProcessError(-15, ["x"]).message).toBe('Command ["x"] died with signal SIGTERM (15).');
  });

  it("a child that closes its input early is not an error (broken pipe)", async () => {
    await trio.run(async () => {
      const result = await trio.runProcess(node("require('fs').closeSync(0)"), { input: new Uint8Array(131072) });
      expect(result.returncode).toBe(0);
      expect(result.stdout).toBeNull();
      expect(result.stderr).toBeNull();
    });
  });

  it("a spawn error comes out at once as Node's error (ENOENT, EACCES)", async () => {
    await trio.run(async () => {
      const missing = (await trio.runProcess(["no-such-program-for-trio-tests"]).catch((e: unknown) => e)) as NodeJS.ErrnoException;
      expect(missing.code).toBe("ENOENT");
      expect(missing.syscall).toBe("spawn no-such-program-for-trio-tests");
      const notExecutable = (await openProcess([import.meta.filename]).catch((e: unknown) => e)) as NodeJS.ErrnoException;
      expect(notExecutable.code).toBe("EACCES");
    });
  });

  it("shell: true runs a command line; cwd and env reach the child", async () => {
    const dir = mkdtempSync(join(tmpdir(), "trio-process-"));
    try {
      await trio.run(async () => {
        const shell = await trio.runProcess("echo out; echo err 1>&2", { shell: true, captureStdout: true, captureStderr: true });
        expect([text(shell.stdout), text(shell.stderr)]).toEqual(["out\n", "err\n"]);
        expect(shell.args).toBe("echo out; echo err 1>&2");
        const where = await trio.runProcess(node("process.stdout.write(process.cwd() + ' ' + process.env.TRIO_TEST_VAR)"), {
          cwd: dir,
          env: { ...process.env, TRIO_TEST_VAR: "here" },
          captureStdout: true,
        });
        expect(text(where.stdout)).toBe(`${dir} here`);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("nursery.start with stdin: PIPE gives the process; its stdio talks to it", async () => {
    await trio.run(async () => {
      let reply = "";
      await trio.openNursery(async (nursery) => {
        const proc = await nursery.start((taskStatus: trio.TaskStatus<trio.Process>) => trio.runProcess(CAT, { stdin: PIPE, stdout: PIPE, taskStatus }));
        await proc.stdio!.sendAll("ping");
        await proc.stdio!.sendEof();
        reply = await readAll(proc.stdio!);
      });
      expect(reply).toBe("ping");
    });
  });

  it("cancelled: terminates the child, waits for it to exit, then raises Cancelled", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      let proc!: trio.Process;
      const result = await trio.moveOnAfter(10, async (scope) => {
        await trio.openNursery(async (nursery) => {
          proc = await nursery.start((taskStatus: trio.TaskStatus<trio.Process>) => trio.runProcess(SLEEP_FOREVER, { taskStatus }));
          events.push(`started, returncode ${proc.returncode}`);
          scope.cancel();
        });
        return "not cancelled";
      });
      events.push(`result ${result}, returncode ${proc.returncode}`);
      // Called directly: the same, through the Cancelled.
      const direct = await trio.moveOnAfter(0.05, () => trio.runProcess(SLEEP_FOREVER));
      events.push(`direct ${direct === undefined ? "cancelled" : "completed"}`);
    });
    expect(events).toEqual(["started, returncode null", "result undefined, returncode -15", "direct cancelled"]);
  });

  it("custom deliverCancel is cancelled once the process has exited", async () => {
    const events: string[] = [];
    await trio.run(async () => {
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(() =>
          trio.runProcess(SLEEP_FOREVER, {
            deliverCancel: async (proc) => {
              events.push("deliverCancel");
              proc.terminate();
              try {
                await trio.sleepForever();
              } finally {
                events.push(`deliverCancel cancelled, returncode ${proc.returncode}`);
              }
            },
          }),
        );
        await trio.sleep(0.05);
        await waitAllTasksBlocked();
        nursery.cancelScope.cancel();
      });
    });
    expect(events).toEqual(["deliverCancel", "deliverCancel cancelled, returncode -15"]);
  });

  it("an error in deliverCancel comes out in nested ExceptionGroups (ours and runProcess's)", async () => {
    const outcome = await trio
      .run(async () => {
        await trio.openNursery(async (nursery) => {
          nursery.startSoon(() =>
            trio.runProcess(SLEEP_FOREVER, {
              deliverCancel: async (proc) => {
                proc.terminate();
                throw new Error("foo");
              },
            }),
          );
          await trio.sleep(0.05);
          await waitAllTasksBlocked();
          nursery.cancelScope.cancel();
        });
      })
      .catch((e: unknown) => e);
    expect(outcome).toBeInstanceOf(trio.ExceptionGroup);
    const inner = (outcome as trio.ExceptionGroup).exceptions;
    expect(inner).toHaveLength(1);
    expect(inner[0]).toBeInstanceOf(trio.ExceptionGroup);
    const leaves = (inner[0] as trio.ExceptionGroup).exceptions;
    expect(leaves.map((e) => (e as Error).message)).toEqual(["foo"]);
  });

  it("default deliverCancel warns if terminate() fails", async () => {
    vi.spyOn(trio.Process.prototype, "terminate").mockImplementation(function (this: trio.Process) {
      this.sendSignal("SIGTERM");
      throw Object.assign(new Error("whoops"), { code: "EPERM", errno: -1 });
    });
    const warnings = await collectWarnings(() =>
      trio.run(async () => {
        await trio.openNursery(async (nursery) => {
          nursery.startSoon(() => trio.runProcess(SLEEP_FOREVER));
          await trio.sleep(0.05);
          await waitAllTasksBlocked();
          nursery.cancelScope.cancel();
        });
      }),
    );
    expect(warnings).toEqual([expect.stringMatching(/^RuntimeWarning: tried to kill process .*whoops/)]);
  });

  it("default deliverCancel escalates to SIGKILL after 5 seconds, with a warning (MockClock)", async () => {
    vi.spyOn(trio.Process.prototype, "terminate").mockImplementation(() => {});
    const clock = new trio.testing.MockClock({ autojumpThreshold: 0 });
    let code: number | null = null;
    let elapsed = 0;
    const warnings = await collectWarnings(() =>
      trio.run({ clock }, async () => {
        let proc!: trio.Process;
        let t0 = 0;
        await trio.openNursery(async (nursery) => {
          proc = await nursery.start((taskStatus: trio.TaskStatus<trio.Process>) => trio.runProcess(SLEEP_FOREVER, { taskStatus }));
          t0 = trio.currentTime();
          nursery.cancelScope.cancel();
        });
        code = proc.returncode;
        elapsed = trio.currentTime() - t0;
      }),
    );
    expect(code).toBe(-9);
    expect(elapsed).toBe(5);
    expect(warnings).toEqual([expect.stringMatching(/^RuntimeWarning: process .* ignored SIGTERM for 5 seconds/)]);
  });

  it("started in a nursery with check: the CalledProcessError reaches the nursery", async () => {
    await trio.run(async () => {
      let proc!: trio.Process;
      const outcome = await trio
        .openNursery(async (nursery) => {
          proc = await nursery.start((taskStatus: trio.TaskStatus<trio.Process>) => trio.runProcess(EXIT_FALSE, { taskStatus }));
        })
        .catch((e: unknown) => e);
      expect(outcome).toBeInstanceOf(trio.ExceptionGroup);
      expect((outcome as trio.ExceptionGroup).exceptions[0]).toBeInstanceOf(trio.CalledProcessError);
      expect(proc.returncode).toBe(1);
    });
  });

  it.skipIf(process.platform !== "linux")("leaks no file descriptors", async () => {
    const fds = (): string[] => readdirSync("/proc/self/fd").sort();
    await trio.run(async () => {
      await trio.runProcess(EXIT_TRUE); // warm-up: Node opens some descriptors once
      const before = fds();
      await trio.runProcess(EXIT_TRUE);
      expect(fds()).toEqual(before);
      await expect(trio.runProcess(EXIT_FALSE)).rejects.toThrow(trio.CalledProcessError);
      expect(fds()).toEqual(before);
      await expect(trio.runProcess([import.meta.filename])).rejects.toMatchObject({ code: "EACCES" });
      expect(fds()).toEqual(before);
      await trio.runProcess(COPY_STDIN_TO_STDOUT_AND_BACKWARD_TO_STDERR, { captureStdout: true, stderr: STDOUT });
      expect(fds()).toEqual(before);
    });
  });
});

describe("openProcess", () => {
  it("rejects bad arguments as Python's subprocess does", async () => {
    await trio.run(async () => {
      const rejects = async (promise: Promise<unknown>, cls: ErrorConstructor | typeof ValueError, pattern: RegExp): Promise<void> => {
        const error = await promise.catch((e: unknown) => e);
        expect(error).toBeInstanceOf(cls);
        expect((error as Error).message).toMatch(pattern);
      };
      await rejects(openProcess(["ls"], { encoding: "utf-8" } as never), TypeError, /unbuffered byte streams; the 'encoding' option is not supported/);
      await rejects(openProcess(["ls"], { shell: true }), TypeError, /must be a string \(not an array\) if shell is set/);
      await rejects(openProcess("ls", { shell: false }), TypeError, /must be an array .* if shell is false/);
      await rejects(openProcess([]), ValueError, /must not be empty/);
      await rejects(openProcess(["ls", 3 as never]), TypeError, /every element of command must be a string/);
      await rejects(openProcess(["ls", "a\0b"]), ValueError, /embedded null byte/);
      await rejects(openProcess(["ls"], { stdout: "piped" as never }), TypeError, /stdout must be "pipe", "inherit", "ignore"/);
      await rejects(openProcess(["ls"], { stdin: "stdout" as never }), ValueError, /only valid for stderr/);
      await rejects(openProcess(["ls"], { stdout: -1 }), ValueError, /file descriptor/);
      await rejects(openProcess(["ls"], { detached: true } as never), TypeError, /unknown option "detached"/);
    });
  });

  it("aclose() closes the pipes and waits; cancelled, it kills the process and still waits", async () => {
    await trio.run(async () => {
      const cat = await openProcess(CAT, { stdin: PIPE, stdout: PIPE });
      await cat.aclose();
      expect(cat.returncode).toBe(0);

      const sleeper = await openProcess(SLEEP_FOREVER);
      const done = await trio.moveOnAfter(0.05, async () => {
        await sleeper.aclose();
        return "closed";
      });
      expect(done).toBeUndefined();
      expect(sleeper.returncode).toBe(-9);
    });
  });

  it("aclose() runs through asyncWith", async () => {
    await trio.run(async () => {
      let proc!: trio.Process;
      await trio.asyncWith(await openProcess(CAT, { stdin: PIPE, stdout: DEVNULL }), async (p) => {
        proc = p;
        await p.stdin!.sendAll("x");
      });
      expect(proc.returncode).toBe(0);
    });
  });

  it("checks for cancellation before spawning anything", async () => {
    await trio.run(async () => {
      let reached = false;
      await trio.moveOnAfter(0, async () => {
        await openProcess(EXIT_TRUE);
        reached = true;
      });
      expect(reached).toBe(false);
    });
  });

  it("sendSignal: unknown signals are a ValueError; signalling an exited process does nothing", async () => {
    await trio.run(async () => {
      const proc = await openProcess(EXIT_TRUE);
      expect(() => proc.sendSignal("SIGNOPE" as never)).toThrow(ValueError);
      await proc.wait();
      proc.kill();
      proc.terminate();
      expect(proc.returncode).toBe(0);
    });
  });

  it("a waiter wakes when the process exits, even if poll() saw the exit first", async () => {
    await trio.run(async () => {
      const proc = await openProcess(SLEEP_FOREVER);
      const noticed = new trio.Event();
      await trio.openNursery(async (nursery) => {
        nursery.startSoon(async () => {
          await proc.wait();
          noticed.set();
        });
        await waitAllTasksBlocked();
        proc.terminate();
        await trio.failAfter(5, async () => {
          while (proc.poll() === null) await trio.sleep(0.005);
          await noticed.wait();
        });
      });
      expect(noticed.isSet()).toBe(true);
    });
  });

  it("Trio-flavored: outside a Trio task the calls reject with FlavorError", async () => {
    await expect(openProcess(EXIT_TRUE)).rejects.toThrow(FlavorError);
    await expect(trio.runProcess(EXIT_TRUE)).rejects.toThrow(FlavorError);
  });
});
