import { describe, expect, it } from "vitest";
import { checkFlavor, FlavorError, flavorMessage } from "../../src/flavor/flavor-error.js";
import { threadLocal, withAsyncLibrary } from "../../src/flavor/sniffio.js";
import { RuntimeError } from "../../src/errors/builtins.js";

describe("checkFlavor", () => {
  it("passes in the expected flavor, declared by a frame or by threadLocal", () => {
    expect(withAsyncLibrary("trio", () => checkFlavor("trio", "trio.sleep()"))?.flavor).toBe("trio");
    threadLocal.name = "asyncio";
    try {
      expect(() => checkFlavor("asyncio", "asyncio.sleep()")).not.toThrow();
      expect(() => withAsyncLibrary("trio", () => checkFlavor("asyncio", "asyncio.sleep()"))).toThrow(
        FlavorError,
      );
    } finally {
      threadLocal.name = null;
    }
  });

  it("names the call and the adapter when the flavor is wrong", () => {
    const fromAsyncio = () => withAsyncLibrary("asyncio", () => checkFlavor("trio", "trio.sleep()"));
    expect(fromAsyncio).toThrow(FlavorError);
    expect(fromAsyncio).toThrow(/^trio\.sleep\(\) is Trio-flavored, but it was called from asyncio-flavored code/);
    expect(fromAsyncio).toThrow(/trioAsAio\(trioFn\)/);
    const fromTrio = () => withAsyncLibrary("trio", () => checkFlavor("asyncio", "asyncio.sleep()"));
    expect(fromTrio).toThrow(/^asyncio\.sleep\(\) is asyncio-flavored, but it was called from Trio-flavored code/);
    expect(fromTrio).toThrow(/aioAsTrio\(aioFn\)/);
    expect(fromTrio).toThrow(/allowAsyncio/);
    expect(fromTrio).toThrow(/createTask\(\(\) => work\(\)\)/);
  });

  it("says where the call must run when no async library is running", () => {
    expect(() => checkFlavor("trio", "trio.sleep()")).toThrow(
      "trio.sleep() is Trio-flavored and must run inside trio.run() (or trio-asyncio's run()); " +
        "it was called outside any async library.",
    );
    expect(() => checkFlavor("asyncio", "asyncio.sleep()")).toThrow(/must run on an asyncio event loop/);
  });

  it("names another runtime when one is declared", () => {
    expect(flavorMessage("trio", "trio.sleep()", "curio")).toBe(
      'trio.sleep() is Trio-flavored, but the code calling it runs under the async library "curio"; ' +
        "it must run inside trio.run() (or trio-asyncio's run()).",
    );
  });

  it("FlavorError is a RuntimeError with a readable name", () => {
    const e = new FlavorError("m");
    expect(e).toBeInstanceOf(RuntimeError);
    expect(e.name).toBe("FlavorError");
    expect(String(e)).toBe("FlavorError: m");
  });
});
