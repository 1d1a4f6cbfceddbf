export interface Entry {
  /** The subpath ("trio" for "trio-asyncio/trio"), or "index" for the face. */
  name: string;
  /** The source module. */
  source: string;
  /** The dotted path of the subpath's namespace on the face. */
  namespace: string;
}
export const faceEntry: { name: string; source: string };
export const subpathEntries: Entry[];
