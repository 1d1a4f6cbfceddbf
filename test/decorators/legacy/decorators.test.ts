// The adapters as method decorators under `experimentalDecorators` (this folder's
// tsconfig), with reflect-metadata loaded: the flavor is recorded as metadata too.
import "reflect-metadata";
import { describe, expect, it } from "vitest";
import * as asyncio from "../../../src/asyncio/index.js";
import { aioAsTrio, FLAVOR_METADATA_KEY, flavorOf, run, trioAsAio } from "../../../src/decorators/index.js";
import { currentAsyncLibrary } from "../../../src/flavor/sniffio.js";
import * as trio from "../../../src/trio/index.js";

class Service {
  factor = 3;

  @aioAsTrio
  async aioTimes(x: number): Promise<number> {
    await asyncio.sleep(0);
    expect(currentAsyncLibrary()).toBe("asyncio");
    return x * this.factor;
  }

  @trioAsAio
  async trioPlus(x: number): Promise<number> {
    await trio.sleep(0);
    expect(currentAsyncLibrary()).toBe("trio");
    return x + this.factor;
  }

  @aioAsTrio
  static async staticAio(): Promise<string> {
    await asyncio.sleep(0);
    return currentAsyncLibrary();
  }
}

describe("legacy (experimentalDecorators) method decorators", () => {
  it("keep `this`, cross flavors, and work on static methods", async () => {
    const service = new Service();
    const result = await run(async () => {
      const a = await service.aioTimes(2);
      const b = await aioAsTrio(async () => service.trioPlus(a))();
      return [a, b, await Service.staticAio()];
    });
    expect(result).toEqual([6, 9, "asyncio"]);
  });

  it("record the flavor on the wrapper and, through reflect-metadata, on the member", () => {
    const proto = Service.prototype as unknown as Record<string, unknown>;
    expect(flavorOf(proto.aioTimes)).toBe("trio");
    expect(flavorOf(proto.trioPlus)).toBe("asyncio");
    expect(Reflect.getMetadata(FLAVOR_METADATA_KEY, Service.prototype, "aioTimes")).toBe("trio");
    expect(Reflect.getMetadata(FLAVOR_METADATA_KEY, Service.prototype, "trioPlus")).toBe("asyncio");
    expect(Reflect.getMetadata(FLAVOR_METADATA_KEY, proto.aioTimes as object)).toBe("trio");
  });

  it("the decorated call costs what the plain wrapper costs: it is the same function", async () => {
    const plain = aioAsTrio(async function aioTimes(this: Service, x: number) {
      return x * this.factor;
    });
    const service = new Service();
    const result = await run(async () => [await plain.call(service, 2), await service.aioTimes(2)]);
    expect(result).toEqual([6, 6]);
  });
});
