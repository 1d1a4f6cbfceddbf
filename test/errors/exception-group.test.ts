// Behaviour follows CPython Lib/test/test_exception_group.py (split/subgroup/derive).
import { describe, expect, it } from "vitest";
import { ExceptionGroup, collapseExceptionGroup, markCollapsible } from "../../src/errors/exception-group.js";
import { ValueError } from "../../src/errors/builtins.js";

class MyError extends Error {}

function leaves(g: unknown): unknown[] {
  return g instanceof ExceptionGroup ? g.exceptions.flatMap(leaves) : [g];
}

describe("ExceptionGroup", () => {
  const v1 = new ValueError("v1");
  const t1 = new TypeError("t1");
  const v2 = new ValueError("v2");
  const inner = new ExceptionGroup("inner", [v2, t1]);
  const eg = new ExceptionGroup("outer", [v1, inner]);

  it("is an AggregateError with exceptions, message and a readable name", () => {
    expect(eg).toBeInstanceOf(AggregateError);
    expect(eg.name).toBe("ExceptionGroup");
    expect(eg.message).toBe("outer");
    expect(eg.exceptions).toEqual([v1, inner]);
    expect(eg.errors).toEqual([v1, inner]);
    expect(Object.isFrozen(eg.exceptions)).toBe(true);
    expect(String(eg)).toBe("ExceptionGroup: outer (2 sub-exceptions)");
  });

  it("validates its arguments", () => {
    expect(() => new ExceptionGroup("m", [])).toThrow(/non-empty/);
    expect(() => new ExceptionGroup("m", "x" as any)).toThrow(/must be an array/);
    expect(() => new ExceptionGroup(1 as any, [v1])).toThrow(/message must be a string/);
  });

  it("split by class keeps the nesting shape", () => {
    const [match, rest] = eg.split(ValueError);
    expect(match).toBeInstanceOf(ExceptionGroup);
    expect(match!.message).toBe("outer");
    expect(leaves(match)).toEqual([v1, v2]);
    expect(match!.exceptions[1]).toBeInstanceOf(ExceptionGroup);
    expect((match!.exceptions[1] as ExceptionGroup).message).toBe("inner");
    expect(leaves(rest)).toEqual([t1]);
  });

  it("split by a list of classes or a predicate; the group itself can match", () => {
    expect(eg.split([ValueError, TypeError])).toEqual([eg, undefined]);
    const [m] = eg.split((e) => e === t1);
    expect(leaves(m)).toEqual([t1]);
    expect(eg.split((e) => e === eg)).toEqual([eg, undefined]);
    expect(eg.split(MyError)).toEqual([undefined, eg]);
  });

  it("subgroup returns the matching part, or the group itself when all match", () => {
    expect(eg.subgroup(Error)).toBe(eg);
    expect(eg.subgroup(MyError)).toBeUndefined();
    expect(leaves(eg.subgroup(TypeError))).toEqual([t1]);
  });

  it("split copies notes and cause to both parts", () => {
    const g = new ExceptionGroup("g", [v1, t1], { cause: "why" });
    g.addNote("a note");
    const [m, r] = g.split(ValueError);
    expect(m!.notes).toEqual(["a note"]);
    expect(r!.notes).toEqual(["a note"]);
    expect(m!.cause).toBe("why");
    expect(() => g.addNote(3 as any)).toThrow(TypeError);
  });

  it("derive keeps the message; subclasses can override it to keep their type", () => {
    class MyGroup<E> extends ExceptionGroup<E> {
      override derive<F>(excs: readonly F[]): MyGroup<F> {
        return new MyGroup(this.message, excs);
      }
    }
    const g = new MyGroup("mine", [v1, t1]);
    const [m] = g.split(ValueError);
    expect(m).toBeInstanceOf(MyGroup);
    expect(g.derive([v2]).message).toBe("mine");
  });

  it("bad conditions are rejected", () => {
    expect(() => eg.split(42 as any)).toThrow(TypeError);
    expect(() => eg.split([42] as any)).toThrow(TypeError);
  });

  it("collapsing unwraps only loose single-error groups", () => {
    const strict = new ExceptionGroup("s", [v1]);
    expect(collapseExceptionGroup(strict)).toBe(strict);
    const loose = new ExceptionGroup("l", [v1]);
    markCollapsible(loose);
    expect(collapseExceptionGroup(loose)).toBe(v1);
    const nested = new ExceptionGroup("n", [loose, t1]);
    const collapsed = collapseExceptionGroup(nested) as ExceptionGroup;
    expect(collapsed.exceptions).toEqual([v1, t1]);
  });
});
