// loop.subprocessExec / loop.subprocessShell: the subprocess transport, its pipe
// transports, and the order, flavor and Context of the protocol callbacks. Some cases
// follow CPython's Lib/test/test_asyncio/test_subprocess.py (SubprocessTransportTests,
// test_close_kill_running, test_close_dont_kill_finished, test_cancel_post_init), with
// `node -e` children.
import { type ChildProcess } from "node:child_process";
import { constants, tmpdir } from "node:os";
import { describe, expect, it, vi } from "vitest";
import * as asyncio from "../../../src/asyncio/index.js";
import { ContextVar } from "../../../src/contextvars/index.js";
import { openLoop } from "../../../src/decorators/index.js";
import { RuntimeError, ValueError } from "../../../src/errors/builtins.js";
import { FlavorError } from "../../../src/flavor/flavor-error.js";
import * as trio from "../../../src/trio/index.js";
import { alive, BLOCKED, CAT, node, READY_THEN_BLOCKED, Recorder, runReal } from "./helpers.js";

const T = { timeout: 15_000 };
const { PIPE, DEVNULL, STDOUT } = asyncio.subprocess;

describe("loop.subprocessExec / subprocessShell", T, () => {
  it("returns [transport, protocol] once connectionMade ran; the callbacks come in asyncio's order, as loop callbacks", () =>
    runReal(async () => {
      const loop = asyncio.getRunningLoop();
      const recorder = new Recorder();
      const [transport, protocol] = await loop.subprocessExec(() => recorder, ...node("process.stdout.write('out'); process.stderr.write('err')"));
      expect(protocol).toBe(recorder);
      expect(recorder.events).toEqual(["made"]);
      expect(recorder.transport).toBe(transport);
      expect(transport).toBeInstanceOf(asyncio.SubprocessTransport);
      await recorder.until(() => recorder.lost);
      expect(recorder.output).toEqual({ 1: "out", 2: "err" });
      const events = recorder.events;
      expect(events[0]).toBe("made");
      expect(events[events.length - 1]).toBe("lost null");
      expect([...recorder.milestones].sort()).toEqual(["exited 0", "lost null", "made", "pipe-lost 0 null", "pipe-lost 1 null", "pipe-lost 2 null"]);
      expect(events.indexOf("data 1")).toBeLessThan(events.indexOf("pipe-lost 1 null"));
      expect(events.indexOf("data 2")).toBeLessThan(events.indexOf("pipe-lost 2 null"));
      // Node closes the child's stdin when it exits: that pipe's end comes after the exit.
      expect(events.indexOf("exited 0")).toBeLessThan(events.indexOf("pipe-lost 0 null"));
      expect([...recorder.libraries]).toEqual(["asyncio"]);
      expect(recorder.inTask).toBe(false);
      expect(transport.getReturncode()).toBe(0);
      transport.close();
    }));

  it("runs the protocol's callbacks in a copy of the Context of the call", () =>
    runReal(async () => {
      const loop = asyncio.getRunningLoop();
      const v = new ContextVar<string>("v", { default: "default" });
      v.set("caller");
      const seen: string[] = [];
      const done = loop.createFuture<void>();
      const protocol: asyncio.SubprocessProtocolLike = {
        connectionMade: () => {
          seen.push(`made ${v.get()}`);
          v.set("protocol");
        },
        pipeDataReceived: () => {
          seen.push(`data ${v.get()}`);
        },
        connectionLost: () => {
          seen.push(`lost ${v.get()}`);
          done.setResult();
        },
      };
      const [transport] = await loop.subprocessExec(() => protocol, ...node("process.stdout.write('x')"), { stdin: DEVNULL, stderr: DEVNULL });
      v.set("changed");
      await done;
      expect(seen).toEqual(["made caller", "data protocol", "lost protocol"]);
      expect(v.get()).toBe("changed");
      transport.close();
    }));

  it("takes a plain object as the protocol; a missing callback does nothing", () =>
    runReal(async () => {
      const loop = asyncio.getRunningLoop();
      const [transport] = await loop.subprocessExec(() => ({}), ...node("process.stdout.write('x')"));
      const returncode = await transport._wait();
      expect(returncode).toBe(0);
      expect(transport.getProtocol()).toBeNull();
    }));

  it("subprocessShell runs a command line through the shell", () =>
    runReal(async () => {
      const loop = asyncio.getRunningLoop();
      const recorder = new Recorder();
      const [transport] = await loop.subprocessShell(() => recorder, "echo $((6 * 7)); exit 3");
      await recorder.until(() => recorder.lost);
      expect(recorder.output[1].trim()).toBe("42");
      expect(transport.getReturncode()).toBe(3);
      expect(recorder.milestones).toContain("exited 3");
    }));

  it("gives the pipe transports of the pipes only; stderr: STDOUT merges into fd 1", () =>
    runReal(async () => {
      const loop = asyncio.getRunningLoop();
      const code = "process.stdout.write('out;'); process.stderr.write('err;')";
      let [transport, recorder] = await loop.subprocessExec(() => new Recorder(), ...node(code), { stdin: DEVNULL, stderr: STDOUT });
      expect(transport.getPipeTransport(0)).toBeNull();
      expect(transport.getPipeTransport(1)).toBeInstanceOf(asyncio.ReadPipeTransport);
      expect(transport.getPipeTransport(2)).toBeNull();
      await recorder.until(() => recorder.lost);
      expect(recorder.output).toEqual({ 1: "out;err;", 2: "" });
      expect(recorder.milestones.filter((e) => e.startsWith("pipe-lost"))).toEqual(["pipe-lost 1 null"]);

      [transport, recorder] = await loop.subprocessExec(() => new Recorder(), ...node(code), { stdout: DEVNULL, stderr: PIPE });
      expect(transport.getPipeTransport(0)).toBeInstanceOf(asyncio.WritePipeTransport);
      expect(transport.getPipeTransport(1)).toBeNull();
      expect(transport.getPipeTransport(2)).toBeInstanceOf(asyncio.ReadPipeTransport);
      await recorder.until(() => recorder.lost);
      expect(recorder.output).toEqual({ 1: "", 2: "err;" });
    }));

  it("knows its pid and child (getExtraInfo('subprocess')); toString as Python's repr", () =>
    runReal(async () => {
      const loop = asyncio.getRunningLoop();
      const [transport, recorder] = await loop.subprocessExec(() => new Recorder(), ...READY_THEN_BLOCKED, { stdin: DEVNULL, stderr: DEVNULL });
      const child = transport.getExtraInfo("subprocess") as ChildProcess;
      expect(child.pid).toBe(transport.getPid());
      expect(String(transport)).toMatch(new RegExp(`^<ChildProcessTransport pid=${transport.getPid()} running stdout=<ReadPipeTransport (fd=\\d+ )?polling>>$`));
      expect(transport.isClosing()).toBe(false);
      transport.kill();
      await recorder.until(() => recorder.lost);
      expect(String(transport)).toMatch(new RegExp(`^<ChildProcessTransport pid=\\d+ returncode=${-constants.signals.SIGKILL} stdout=<ReadPipeTransport closed.*>>$`));
      transport.close();
      expect(transport.isClosing()).toBe(true);
      expect(String(transport)).toMatch(/^<ChildProcessTransport closed pid=/);
    }));

  it("test_proc_exited: once the protocol knows the connection is lost, signals throw ProcessLookupError", () =>
    runReal(async () => {
      const loop = asyncio.getRunningLoop();
      const [transport, recorder] = await loop.subprocessExec(() => new Recorder(), ...node("process.exitCode = 6"));
      await recorder.until(() => recorder.lost);
      expect(transport.getReturncode()).toBe(6);
      expect(transport.isClosing()).toBe(false);
      expect(() => transport.sendSignal("SIGTERM")).toThrow(asyncio.ProcessLookupError);
      expect(() => transport.terminate()).toThrow(asyncio.ProcessLookupError);
      expect(() => transport.kill()).toThrow(asyncio.ProcessLookupError);
      transport.close();
    }));

  it("sendSignal takes names and numbers, checks them, and does nothing once the child exited", () =>
    runReal(async () => {
      const loop = asyncio.getRunningLoop();
      const [transport, recorder] = await loop.subprocessExec(() => new Recorder(), ...READY_THEN_BLOCKED);
      await recorder.until(() => recorder.output[1] === "ready\n");
      expect(() => transport.sendSignal("SIGNOPE" as NodeJS.Signals)).toThrow(ValueError);
      expect(() => transport.sendSignal(1.5)).toThrow(TypeError);
      expect(() => transport.sendSignal(-1)).toThrow(ValueError);
      transport.sendSignal(0); // only checks that it exists
      transport.sendSignal(constants.signals.SIGUSR2);
      await recorder.until(() => recorder.lost);
      expect(transport.getReturncode()).toBe(-constants.signals.SIGUSR2);
    }));

  it("test_close_kill_running: close() kills a running child, then its exit is reported as usual", () =>
    runReal(async () => {
      const loop = asyncio.getRunningLoop();
      const [transport, recorder] = await loop.subprocessExec(() => new Recorder(), ...BLOCKED);
      const child = transport.getExtraInfo("subprocess") as ChildProcess;
      const kill = vi.spyOn(child, "kill");
      const returncode = transport.getReturncode();
      transport.close();
      transport.close();
      await asyncio.waitFor(transport._wait(), 5);
      expect(returncode).toBeNull();
      expect(kill).toHaveBeenCalledTimes(1);
      expect(kill).toHaveBeenCalledWith("SIGKILL");
      expect(transport.getReturncode()).toBe(-constants.signals.SIGKILL);
      expect(recorder.events[recorder.events.length - 1]).toBe("lost null");
    }));

  it("test_close_dont_kill_finished: close() does not kill a child that exited before the loop heard of it", () =>
    runReal(async () => {
      const loop = asyncio.getRunningLoop();
      const [transport] = await loop.subprocessExec(() => new Recorder(), ...node("process.exit(0)"), { stdin: DEVNULL });
      const child = transport.getExtraInfo("subprocess") as ChildProcess;
      // Wait for Node's exit event outside the loop, without letting the loop run: this
      // listener goes first, so this task resumes before the loop hears of the exit.
      await new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.prependOnceListener("exit", () => resolve())));
      const kill = vi.spyOn(child, "kill");
      expect(transport.getReturncode()).toBeNull();
      transport.close();
      expect(kill).not.toHaveBeenCalled();
      expect(await transport._wait()).toBe(0);
    }));

  it("test_cancel_post_init: cancelled while starting, the child is killed and waited for", () =>
    runReal(async () => {
      const loop = asyncio.getRunningLoop();
      const recorder = new Recorder();
      const task = loop.createTask(() => loop.subprocessExec(() => recorder, ...BLOCKED));
      loop.callSoon(() => task.cancel());
      await expect(task).rejects.toBeInstanceOf(asyncio.CancelledError);
      // As in asyncio, the protocol was connected before the start was abandoned.
      expect(recorder.events[0]).toBe("made");
      expect(recorder.lost).toBe(true);
      expect(recorder.transport!.getReturncode()).toBe(-constants.signals.SIGKILL);
      expect(alive(recorder.transport!.getPid()!)).toBe(false);
    }));

  it("a program that cannot start: FileNotFoundError / PermissionError, the protocol is never connected", () =>
    runReal(async () => {
      const loop = asyncio.getRunningLoop();
      const recorder = new Recorder();
      const error = await loop.subprocessExec(() => recorder, "no-such-program-xyz", "arg").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(asyncio.OSError);
      expect((error as Error).name).toBe("FileNotFoundError");
      expect(error).toMatchObject({ code: "ENOENT", syscall: "spawn no-such-program-xyz", path: "no-such-program-xyz" });
      expect((error as Error).cause).toBeInstanceOf(Error);
      const denied = await loop.subprocessExec(() => recorder, tmpdir()).catch((e: unknown) => e);
      expect((denied as Error).name).toBe("PermissionError");
      expect(denied).toMatchObject({ code: "EACCES" });
      const badCwd = await loop.subprocessExec(() => recorder, ...node(""), { cwd: "/no/such/dir" }).catch((e: unknown) => e);
      expect((badCwd as Error).name).toBe("FileNotFoundError");
      expect(badCwd).toMatchObject({ code: "ENOENT", path: "/no/such/dir" });
      expect((badCwd as Error).message).toContain("working directory");
      // The merged-output socket pair is released too.
      const merged = await loop.subprocessExec(() => recorder, "no-such-program-xyz", { stderr: STDOUT }).catch((e: unknown) => e);
      expect((merged as Error).name).toBe("FileNotFoundError");
      await asyncio.sleep(0.01);
      expect(recorder.events).toEqual([]);
    }));

  it("checks its arguments as Python does: ValueError for text mode and shell, TypeError for the rest", () =>
    runReal(async () => {
      const loop = asyncio.getRunningLoop();
      const factory = (): asyncio.SubprocessProtocol => new asyncio.SubprocessProtocol();
      const fails = (promise: Promise<unknown>): Promise<unknown> => promise.then(() => null, (e: unknown) => e);
      expect(await fails(loop.subprocessExec(factory, "x", { text: true }))).toBeInstanceOf(ValueError);
      expect(await fails(loop.subprocessExec(factory, "x", { encoding: "utf-8" }))).toBeInstanceOf(ValueError);
      expect(await fails(loop.subprocessExec(factory, "x", { errors: "strict" }))).toBeInstanceOf(ValueError);
      expect(await fails(loop.subprocessShell(factory, "x", { text: true }))).toBeInstanceOf(ValueError);
      expect(await fails(loop.subprocessExec(factory, "x", "a\0b"))).toBeInstanceOf(ValueError);
      expect(await fails(loop.subprocessExec(factory, 42 as unknown as string))).toBeInstanceOf(TypeError);
      expect(await fails(loop.subprocessExec(factory, "x", { stdin: "stdout" as "pipe" }))).toBeInstanceOf(ValueError);
      expect(await fails(loop.subprocessExec(factory, "x", { stdin: -1 }))).toBeInstanceOf(ValueError);
      expect(await fails(loop.subprocessExec(factory, "x", { stdout: "file.txt" as "pipe" }))).toBeInstanceOf(TypeError);
      expect(await fails(loop.subprocessExec(factory, "x", { env: { A: 1 as unknown as string } }))).toBeInstanceOf(TypeError);
      expect(await fails(loop.subprocessExec(factory, "x", { limit: 10 } as asyncio.SubprocessOptions))).toBeInstanceOf(TypeError);
      expect(await fails(loop.subprocessExec(factory, "x", { closeFds: false } as asyncio.SubprocessOptions))).toMatchObject({ name: "NotImplementedError" });
      expect(await fails(loop.subprocessExec(null as unknown as () => asyncio.SubprocessProtocol, "x"))).toBeInstanceOf(TypeError);
    }));

  it("takes paths as strings, file: URLs and path-like objects; executable and env, cwd", () =>
    runReal(async () => {
      const loop = asyncio.getRunningLoop();
      const code = "process.stdout.write([process.argv0, process.cwd(), process.env.AIO_TEST].join(','))";
      const [, recorder] = await loop.subprocessExec(
        () => new Recorder(),
        "my-node",
        "-e",
        code,
        { executable: { fspath: () => process.execPath }, cwd: new URL("file:///"), env: { AIO_TEST: "yes", PATH: process.env.PATH } },
      );
      await recorder.until(() => recorder.lost);
      expect(recorder.output[1]).toBe("my-node,/,yes");
    }));

  it("is asyncio-flavored and bound to its loop", async () => {
    const loop = new asyncio.SyncTrioEventLoop();
    await expect(loop.subprocessExec(() => new Recorder(), ...CAT)).rejects.toBeInstanceOf(FlavorError);
    await trio.run(() =>
      openLoop(async (trioLoop) => {
        await expect(trioLoop.subprocessExec(() => new Recorder(), ...CAT)).rejects.toBeInstanceOf(FlavorError);
      }),
    );
    await loop.runUntilComplete(async () => {
      const other = new asyncio.SyncTrioEventLoop();
      await expect(other.subprocessExec(() => new Recorder(), ...CAT)).rejects.toBeInstanceOf(RuntimeError);
      other.close();
    });
    loop.close();
  });
});

describe("pipe transports", T, () => {
  it("the stdin transport: bytes only, writeEof closes the pipe, writes after it are dropped", () =>
    runReal(async () => {
      const loop = asyncio.getRunningLoop();
      const [transport, recorder] = await loop.subprocessExec(() => new Recorder(), ...CAT, { stderr: DEVNULL });
      const stdin = transport.getPipeTransport(0) as asyncio.WritePipeTransport;
      expect(stdin).toBeInstanceOf(asyncio.WriteTransport);
      expect(stdin.getExtraInfo("pipe")).toBe((transport.getExtraInfo("subprocess") as ChildProcess).stdin);
      expect(() => stdin.write("text" as unknown as Buffer)).toThrow(TypeError);
      stdin.write(Buffer.from("hello "));
      stdin.writelines([new Uint8Array([119, 111]), Buffer.from("rld")]);
      expect(stdin.canWriteEof()).toBe(true);
      expect(stdin.isClosing()).toBe(false);
      stdin.writeEof();
      expect(stdin.isClosing()).toBe(true);
      stdin.write(Buffer.from("dropped"));
      await recorder.until(() => recorder.lost);
      expect(recorder.output[1]).toBe("hello world");
      expect(recorder.milestones).toContain("pipe-lost 0 null");
      expect(String(stdin)).toMatch(/^<WritePipeTransport closed/);
    }));

  it("flow control: pauseWriting over the high-water mark, resumeWriting once the child read it", () =>
    runReal(async () => {
      const loop = asyncio.getRunningLoop();
      // The child starts reading (and discarding) its input after 100 ms.
      const [transport, recorder] = await loop.subprocessExec(() => new Recorder(), ...node("setTimeout(() => process.stdin.resume(), 100)"), { stdout: DEVNULL });
      const stdin = transport.getPipeTransport(0) as asyncio.WritePipeTransport;
      stdin.setWriteBufferLimits({ high: 1024 });
      expect(stdin.getWriteBufferLimits()).toEqual([256, 1024]);
      stdin.write(Buffer.alloc(4 * 1024 * 1024));
      expect(stdin.getWriteBufferSize()).toBeGreaterThan(1024);
      expect(recorder.events).toContain("pause");
      await recorder.until(() => recorder.events.includes("resume"));
      expect(stdin.getWriteBufferSize()).toBeLessThanOrEqual(256);
      stdin.close();
      await recorder.until(() => recorder.lost);
      expect(transport.getReturncode()).toBe(0);
    }));

  it("abort() drops the buffer and closes the pipe at once", () =>
    runReal(async () => {
      const loop = asyncio.getRunningLoop();
      const [transport, recorder] = await loop.subprocessExec(() => new Recorder(), ...node("setTimeout(() => process.stdin.pipe(process.stdout), 50)"));
      const stdin = transport.getPipeTransport(0) as asyncio.WritePipeTransport;
      stdin.write(Buffer.alloc(4 * 1024 * 1024, 120));
      stdin.abort();
      expect(stdin.isClosing()).toBe(true);
      await recorder.until(() => recorder.lost);
      expect(recorder.output[1].length).toBeLessThan(4 * 1024 * 1024);
      expect(recorder.milestones).toContain("pipe-lost 0 null");
    }));

  it("the child going away with bytes still buffered: the stdin pipe is lost with a broken pipe", () =>
    runReal(async () => {
      const loop = asyncio.getRunningLoop();
      const [transport, recorder] = await loop.subprocessExec(() => new Recorder(), ...READY_THEN_BLOCKED, { stderr: DEVNULL });
      await recorder.until(() => recorder.output[1] === "ready\n");
      const stdin = transport.getPipeTransport(0) as asyncio.WritePipeTransport;
      stdin.write(Buffer.alloc(4 * 1024 * 1024));
      transport.kill();
      await recorder.until(() => recorder.lost);
      expect(recorder.milestones).toContain("pipe-lost 0 EPIPE");
    }));

  it("the stdout transport: pauseReading holds the data back until resumeReading; close() stops reading", () =>
    runReal(async () => {
      const loop = asyncio.getRunningLoop();
      const [transport, recorder] = await loop.subprocessExec(() => new Recorder(), ...CAT, { stderr: DEVNULL });
      const stdin = transport.getPipeTransport(0) as asyncio.WritePipeTransport;
      const stdout = transport.getPipeTransport(1) as asyncio.ReadPipeTransport;
      expect(stdout).toBeInstanceOf(asyncio.ReadTransport);
      expect(stdout.isReading()).toBe(true);
      stdout.pauseReading();
      stdout.pauseReading();
      expect(stdout.isReading()).toBe(false);
      stdin.write(Buffer.from("abc"));
      await asyncio.sleep(0.1);
      expect(recorder.output[1]).toBe("");
      stdout.resumeReading();
      await recorder.until(() => recorder.output[1] === "abc");
      stdout.close();
      expect(stdout.isClosing()).toBe(true);
      expect(stdout.isReading()).toBe(false);
      await recorder.until(() => recorder.milestones.includes("pipe-lost 1 null"));
      stdin.close();
      await recorder.until(() => recorder.lost);
      expect(transport.getReturncode()).toBe(0);
    }));
});

describe("the loop and the child", T, () => {
  it("a child outliving its loop: its events are dropped, nothing throws", async () => {
    let child!: ChildProcess;
    await runReal(async () => {
      const loop = asyncio.getRunningLoop();
      const [transport] = await loop.subprocessExec(() => new Recorder(), ...node("setTimeout(() => process.stdout.write('late'), 50)"));
      child = transport.getExtraInfo("subprocess") as ChildProcess;
    });
    await new Promise<void>((resolve) => child.once("close", () => resolve()));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(child.exitCode).toBe(0);
  });

  it("inside openLoop from Trio, through aioAsTrio", async () => {
    const { aioAsTrio } = await import("../../../src/decorators/index.js");
    const out = await trio.run(() =>
      openLoop(() =>
        aioAsTrio(async () => {
          const proc = await asyncio.createSubprocessExec(...CAT, { stdin: PIPE, stdout: PIPE });
          const [stdout] = await proc.communicate(Buffer.from("from trio"));
          return stdout!.toString();
        })(),
      ),
    );
    expect(out).toBe("from trio");
  });
});
