// asyncio.createSubprocessExec / createSubprocessShell and Process. Most cases follow
// CPython's Lib/test/test_asyncio/test_subprocess.py (SubprocessMixin), keeping their
// names, with `node -e` children instead of `python -c`; the rest are our own.
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { constants, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it, vi } from "vitest";
import * as asyncio from "../../../src/asyncio/index.js";
import { ValueError } from "../../../src/errors/builtins.js";
import { FlavorError } from "../../../src/flavor/flavor-error.js";
import * as trio from "../../../src/trio/index.js";
import { alive, BLOCKED, CAT, node, READY_THEN_BLOCKED, runReal } from "./helpers.js";

const T = { timeout: 15_000 };
const { PIPE, DEVNULL, STDOUT } = asyncio.subprocess;
/** Prints the length of its input. */
const LEN_OF_INPUT = node("let n = 0; process.stdin.on('data', (d) => (n += d.length)); process.stdin.on('end', () => console.log(n))");

describe("asyncio.subprocess", T, () => {
  it("reads as Python's module: PIPE, STDOUT, DEVNULL, Process, createSubprocessExec/Shell", () => {
    expect(asyncio.subprocess.PIPE).toBe("pipe");
    expect(asyncio.subprocess.STDOUT).toBe("stdout");
    expect(asyncio.subprocess.DEVNULL).toBe("ignore");
    // The same strings as the Trio side's constants.
    expect(trio.subprocessConstants.PIPE).toBe(asyncio.subprocess.PIPE);
    expect(trio.subprocessConstants.DEVNULL).toBe(asyncio.subprocess.DEVNULL);
    expect(trio.subprocessConstants.STDOUT).toBe(asyncio.subprocess.STDOUT);
    expect(asyncio.subprocess.createSubprocessExec).toBe(asyncio.createSubprocessExec);
    expect(asyncio.subprocess.createSubprocessShell).toBe(asyncio.createSubprocessShell);
    expect(typeof asyncio.subprocess.Process).toBe("function");
    expect(typeof asyncio.subprocess.SubprocessStreamProtocol).toBe("function");
  });

  it("test_stdin_stdout", () =>
    runReal(async () => {
      const proc = await asyncio.createSubprocessExec(...CAT, { stdin: PIPE, stdout: PIPE });
      // feed data
      proc.stdin!.write(Buffer.from("some data"));
      await proc.stdin!.drain();
      proc.stdin!.close();
      // get output and exitcode
      const data = await proc.stdout!.read();
      const exitcode = await proc.wait();
      expect(exitcode).toBe(0);
      expect(data.toString()).toBe("some data");
      expect(proc.stderr).toBeNull();
      await proc.stdin!.waitClosed();
    }));

  it("test_communicate", () =>
    runReal(async () => {
      const proc = await asyncio.createSubprocessExec(...CAT, { stdin: PIPE, stdout: PIPE });
      const [stdout, stderr] = await proc.communicate(Buffer.from("some data"));
      expect(proc.returncode).toBe(0);
      expect(stdout!.toString()).toBe("some data");
      expect(stderr).toBeNull();
    }));

  it("test_shell", () =>
    runReal(async () => {
      const proc = await asyncio.createSubprocessShell("exit 7");
      expect(await proc.wait()).toBe(7);
    }));

  it("test_start_new_session", () =>
    runReal(async () => {
      // start the new process in a new session
      const proc = await asyncio.createSubprocessShell("exit 8", { startNewSession: true });
      expect(await proc.wait()).toBe(8);
    }));

  it("test_kill", () =>
    runReal(async () => {
      const proc = await asyncio.createSubprocessExec(...BLOCKED);
      proc.kill();
      expect(await proc.wait()).toBe(-constants.signals.SIGKILL);
    }));

  it("test_terminate", () =>
    runReal(async () => {
      const proc = await asyncio.createSubprocessExec(...BLOCKED);
      proc.terminate();
      expect(await proc.wait()).toBe(-constants.signals.SIGTERM);
    }));

  it("test_send_signal", () =>
    runReal(async () => {
      const proc = await asyncio.createSubprocessExec(...node("console.log('sleeping'); setInterval(() => {}, 1e6)"), { stdout: PIPE });
      // basic synchronization to wait until the program is sleeping
      const line = await proc.stdout!.readline();
      expect(line.toString()).toBe("sleeping\n");
      proc.sendSignal(constants.signals.SIGHUP);
      expect(await proc.wait()).toBe(-constants.signals.SIGHUP);
      expect(proc.returncode).toBe(-constants.signals.SIGHUP);
    }));

  /** `prepare_broken_pipe_test`: the child ends before its stdin can be fed. */
  async function prepareBrokenPipeTest(): Promise<[asyncio.subprocess.Process, Buffer]> {
    const proc = await asyncio.createSubprocessExec(...node(""), { stdin: PIPE });
    // larger than what a pipe buffers
    return [proc, Buffer.alloc(4 * 1024 * 1024, 120)];
  }

  it("test_stdin_broken_pipe", () =>
    runReal(async () => {
      const [proc, largeData] = await prepareBrokenPipeTest();
      await proc.wait();
      proc.stdin!.write(largeData);
      // drain() must throw BrokenPipeError (EPIPE) or ConnectionResetError
      const error = await proc.stdin!.drain().then(
        () => null,
        (e: unknown) => e,
      );
      const code = (error as { code?: string } | null)?.code;
      expect(error instanceof asyncio.ConnectionResetError || code === "EPIPE").toBe(true);
    }));

  it("test_communicate_ignore_broken_pipe", () =>
    runReal(async () => {
      const [proc, largeData] = await prepareBrokenPipeTest();
      // communicate() must ignore BrokenPipeError when feeding stdin
      asyncio.getRunningLoop().setExceptionHandler(() => {});
      const [stdout, stderr] = await proc.communicate(largeData);
      expect([stdout, stderr]).toEqual([null, null]);
      expect(await proc.wait()).toBe(0);
    }));

  it("test_pause_reading", () =>
    runReal(async () => {
      const limit = 10;
      const size = limit * 2 + 1;
      const proc = await asyncio.createSubprocessExec(...node(`process.stdout.write('x'.repeat(${size}))`), { stdin: PIPE, stdout: PIPE, limit });
      const stdoutTransport = proc._transport.getPipeTransport(1) as asyncio.ReadPipeTransport;
      const pause = vi.spyOn(stdoutTransport, "pauseReading");
      const resume = vi.spyOn(stdoutTransport, "resumeReading");
      const [stdout] = await proc.communicate();
      // The child produced more than the limit: the reader paused the transport.
      expect(stdout!.toString()).toBe("x".repeat(size));
      expect(pause).toHaveBeenCalled();
      expect(resume).toHaveBeenCalled();
    }));

  it("test_empty_input", () =>
    runReal(async () => {
      const proc = await asyncio.createSubprocessExec(...LEN_OF_INPUT, { stdin: PIPE, stdout: PIPE, stderr: PIPE });
      const [stdout, stderr] = await proc.communicate(Buffer.alloc(0));
      expect(stdout!.toString().trim()).toBe("0");
      expect(stderr!.toString()).toBe("");
      expect(await proc.wait()).toBe(0);
    }));

  it("test_devnull_input", () =>
    runReal(async () => {
      const proc = await asyncio.createSubprocessExec(...LEN_OF_INPUT, { stdin: DEVNULL, stdout: PIPE, stderr: PIPE });
      expect(proc.stdin).toBeNull();
      const [stdout] = await proc.communicate();
      expect(stdout!.toString().trim()).toBe("0");
      expect(await proc.wait()).toBe(0);
    }));

  it("test_devnull_output", () =>
    runReal(async () => {
      const proc = await asyncio.createSubprocessExec(...LEN_OF_INPUT, { stdin: PIPE, stdout: DEVNULL, stderr: PIPE });
      const [stdout] = await proc.communicate(Buffer.from("abc"));
      expect(stdout).toBeNull();
      expect(await proc.wait()).toBe(0);
    }));

  it("test_devnull_error", () =>
    runReal(async () => {
      const proc = await asyncio.createSubprocessExec(...LEN_OF_INPUT, { stdin: PIPE, stdout: PIPE, stderr: DEVNULL });
      const [, stderr] = await proc.communicate(Buffer.from("abc"));
      expect(stderr).toBeNull();
      expect(await proc.wait()).toBe(0);
    }));

  it("test_cancel_process_wait: a cancelled wait() leaves the child running", () =>
    runReal(async () => {
      const loop = asyncio.getRunningLoop();
      const proc = await asyncio.createSubprocessExec(...BLOCKED);
      // Create an internal future waiting on the process exit
      const task = loop.createTask(() => proc.wait());
      loop.callSoon(() => task.cancel());
      await expect(task).rejects.toBeInstanceOf(asyncio.CancelledError);
      await asyncio.sleep(0.02);
      expect(proc.returncode).toBeNull();
      expect(alive(proc.pid)).toBe(true);
      // Cancel the future
      task.cancel();
      // Kill the process and wait until it is done
      proc.kill();
      expect(await proc.wait()).toBe(-constants.signals.SIGKILL);
    }));

  it("a timeout around wait() or communicate() leaves the child running", () =>
    runReal(async () => {
      const proc = await asyncio.createSubprocessExec(...READY_THEN_BLOCKED, { stdin: PIPE, stdout: PIPE });
      await expect(asyncio.waitFor(proc.wait(), 0.05)).rejects.toBeInstanceOf(asyncio.TimeoutError);
      await expect(asyncio.waitFor(() => proc.communicate(), 0.05)).rejects.toBeInstanceOf(asyncio.TimeoutError);
      expect(proc.returncode).toBeNull();
      expect(alive(proc.pid)).toBe(true);
      proc.kill();
      expect(await proc.wait()).toBe(-constants.signals.SIGKILL);
    }));

  it("test_cancel_make_subprocess_transport_exec: cancelled while starting, the child is killed", () =>
    runReal(async () => {
      const loop = asyncio.getRunningLoop();
      const spawned: number[] = [];
      const original = loop.subprocessExec.bind(loop);
      const spy = vi.spyOn(loop, "subprocessExec").mockImplementation(async (factory, ...args) => {
        const result = await original(() => {
          const protocol = factory();
          const made = protocol.connectionMade!.bind(protocol);
          protocol.connectionMade = (transport: never) => {
            spawned.push((transport as asyncio.SubprocessTransport).getPid()!);
            made(transport);
          };
          return protocol;
        }, ...(args as [string]));
        return result;
      });
      const task = loop.createTask(() => asyncio.createSubprocessExec(...BLOCKED));
      loop.callSoon(() => task.cancel());
      await expect(task).rejects.toBeInstanceOf(asyncio.CancelledError);
      spy.mockRestore();
      expect(spawned).toHaveLength(1);
      expect(alive(spawned[0])).toBe(false);
    }));

  it("test_read_stdout_after_process_exit", () =>
    runReal(async () => {
      const proc = await asyncio.createSubprocessExec(...node("for (let i = 0; i < 64; i++) process.stdout.write('x'.repeat(4096)); process.exitCode = 1"), {
        stdout: PIPE,
      });
      let total = 0;
      for (;;) {
        const data = await proc.stdout!.read(65536);
        if (data.length === 0) break;
        total += data.length;
        await asyncio.sleep(0.005);
      }
      expect(total).toBe(64 * 4096);
      expect(await proc.wait()).toBe(1);
    }));

  it("test_create_subprocess_exec_text_mode_fails / test_create_subprocess_shell_text_mode_fails", () =>
    runReal(async () => {
      for (const options of [{ text: true }, { encoding: "utf-8" }, { errors: "strict" }]) {
        await expect(asyncio.createSubprocessExec(process.execPath, options)).rejects.toBeInstanceOf(ValueError);
        await expect(asyncio.createSubprocessShell(process.execPath, options)).rejects.toBeInstanceOf(ValueError);
      }
    }));

  it("test_create_subprocess_exec_with_path", () =>
    runReal(async () => {
      let p = await asyncio.createSubprocessExec(pathToFileURL(process.execPath), "-e", "");
      expect(await p.wait()).toBe(0);
      p = await asyncio.createSubprocessExec(process.execPath, "-e", "process.exitCode = process.argv[1] === '.' ? 0 : 1", { fspath: () => "." });
      expect(await p.wait()).toBe(0);
    }));

  it("test_popen_error: FileNotFoundError for a missing program, also with stdin: PIPE", () =>
    runReal(async () => {
      for (const stdin of [null, PIPE] as const) {
        const error = await asyncio.createSubprocessExec("no-such-program-xyz", { stdin }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(asyncio.OSError);
        expect((error as Error).name).toBe("FileNotFoundError");
        expect((error as { code?: string }).code).toBe("ENOENT");
      }
    }));
});

describe("Process", T, () => {
  it("inherits the standard streams by default; stdout to a file descriptor; stderr: STDOUT", () =>
    runReal(async () => {
      const dir = mkdtempSync(join(tmpdir(), "aio-subprocess-"));
      try {
        const file = join(dir, "out.txt");
        const fd = openSync(file, "w");
        try {
          const proc = await asyncio.createSubprocessExec(...node("process.stdout.write('to file;'); process.stderr.write('also;')"), { stdout: fd, stderr: STDOUT });
          expect([proc.stdin, proc.stdout, proc.stderr]).toEqual([null, null, null]);
          expect(await proc.communicate()).toEqual([null, null]);
          expect(proc.returncode).toBe(0);
        } finally {
          closeSync(fd);
        }
        expect(readFileSync(file, "utf8")).toBe("to file;also;");
        const merged = await asyncio.createSubprocessShell("echo out; echo err >&2", { stdout: PIPE, stderr: STDOUT });
        expect(merged.stderr).toBeNull();
        const [stdout, stderr] = await merged.communicate();
        expect(stdout!.toString()).toBe("out\nerr\n");
        expect(stderr).toBeNull();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }));

  it("has pid, returncode (null while running), toString; several tasks may wait", () =>
    runReal(async () => {
      const proc = await asyncio.createSubprocessExec(...READY_THEN_BLOCKED, { stdout: PIPE });
      expect(proc).toBeInstanceOf(asyncio.subprocess.Process);
      expect(typeof proc.pid).toBe("number");
      expect(String(proc)).toBe(`<Process ${proc.pid}>`);
      expect(proc.returncode).toBeNull();
      await proc.stdout!.readline();
      const waits = [asyncio.createTask(() => proc.wait()), asyncio.createTask(() => proc.wait())];
      await asyncio.sleep(0);
      proc.terminate();
      expect(await asyncio.gather(...waits)).toEqual([-constants.signals.SIGTERM, -constants.signals.SIGTERM]);
      expect(await proc.wait()).toBe(-constants.signals.SIGTERM);
    }));

  it("stdin.drain() waits while the pipe is over its high-water mark", () =>
    runReal(async () => {
      const proc = await asyncio.createSubprocessExec(...LEN_OF_INPUT, { stdin: PIPE, stdout: PIPE });
      const transport = proc.stdin!.transport;
      transport.setWriteBufferLimits(1024);
      proc.stdin!.write(Buffer.alloc(1024 * 1024));
      expect(transport.getWriteBufferSize()).toBeGreaterThan(1024);
      await proc.stdin!.drain();
      expect(transport.getWriteBufferSize()).toBeLessThanOrEqual(256);
      const [stdout] = await proc.communicate();
      expect(stdout!.toString().trim()).toBe(String(1024 * 1024));
    }));

  it("cancelling communicate() leaves the child running", () =>
    runReal(async () => {
      const loop = asyncio.getRunningLoop();
      const proc = await asyncio.createSubprocessExec(...READY_THEN_BLOCKED, { stdout: PIPE });
      const task = loop.createTask(() => proc.communicate());
      await asyncio.sleep(0.02);
      task.cancel();
      await expect(task).rejects.toBeInstanceOf(asyncio.CancelledError);
      expect(proc.returncode).toBeNull();
      expect(alive(proc.pid)).toBe(true);
      proc.kill();
      expect(await proc.wait()).toBe(-constants.signals.SIGKILL);
    }));

  it("checks the options: limit, unknown names, what Node cannot do", () =>
    runReal(async () => {
      await expect(asyncio.createSubprocessExec(...CAT, { limit: 0 })).rejects.toBeInstanceOf(ValueError);
      await expect(asyncio.createSubprocessExec(...CAT, { limit: "big" as unknown as number })).rejects.toBeInstanceOf(TypeError);
      await expect(asyncio.createSubprocessExec(...CAT, { nope: 1 } as asyncio.CreateSubprocessOptions)).rejects.toBeInstanceOf(TypeError);
      await expect(asyncio.createSubprocessExec(...CAT, { preexecFn: () => {} } as asyncio.CreateSubprocessOptions)).rejects.toMatchObject({ name: "NotImplementedError" });
      await expect(asyncio.createSubprocessShell(["ls"] as unknown as string)).rejects.toBeInstanceOf(ValueError);
      // What Node does anyway is accepted.
      const proc = await asyncio.createSubprocessExec(...node(""), { closeFds: true, passFds: [] } as asyncio.CreateSubprocessOptions);
      expect(await proc.wait()).toBe(0);
    }));

  it("is asyncio-flavored: FlavorError from Trio code", async () => {
    await trio.run(async () => {
      await expect(asyncio.createSubprocessExec(...CAT)).rejects.toBeInstanceOf(FlavorError);
      await expect(asyncio.createSubprocessShell("true")).rejects.toBeInstanceOf(FlavorError);
    });
    let proc!: asyncio.subprocess.Process;
    await runReal(async () => {
      proc = await asyncio.createSubprocessExec(...BLOCKED);
    });
    await trio.run(async () => {
      await expect(proc.wait()).rejects.toBeInstanceOf(FlavorError);
      await expect(proc.communicate()).rejects.toBeInstanceOf(FlavorError);
    });
    proc.kill();
  });
});
