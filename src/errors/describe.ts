/** @internal A short, safe description of any value for error messages ("number 3", "a Promise"...). */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "object":
      return typeof (value as { then?: unknown }).then === "function" ? "a Promise" : `an object (${Object.prototype.toString.call(value)})`;
    case "function":
      return `a function${(value as { name?: string }).name ? ` (${(value as { name: string }).name})` : ""}`;
    case "string":
      return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value)}`;
    case "symbol":
      return `a symbol (${value.description ?? ""})`;
    case "number":
    case "bigint":
    case "boolean":
      return `${typeof value} ${value.toString()}`;
    default:
      return "undefined";
  }
}

/** @internal How an error is shown inside another message: `Name("message")`, or a description. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}(${JSON.stringify(error.message)})`;
  return describeValue(error);
}

/** @internal The name of a value's type, for TypeErrors (`'string'`, `'number'`, `'Array'`...). */
export function typeName(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return (value.constructor as { name?: string } | undefined)?.name ?? "Object";
  return typeof value;
}
