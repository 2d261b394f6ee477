/** Shared by the robustness tests and the fuzzer: can a record go through JSON unchanged? */

/** Why JSON.parse(JSON.stringify(v)) would not give `v` back (-0 tolerated), or null. */
export function jsonIssue(v: unknown, path = '$', depth = 0): string | null {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return null;
    case 'number':
      return Number.isFinite(v) ? null : `${path} is ${v}`;
    case 'undefined':
      return `${path} is undefined`;
    case 'object': {
      if (v === null) return null;
      if (depth > 256) return `${path} is nested deeper than 256`;
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          if (!(i in v)) return `${path}[${i}] is a hole`;
          const e = jsonIssue(v[i], `${path}[${i}]`, depth + 1);
          if (e !== null) return e;
        }
        return null;
      }
      const proto: unknown = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) {
        const name = (v as { constructor?: { name?: string } }).constructor?.name ?? 'unknown';
        return `${path} is a ${name}`;
      }
      for (const k of Object.keys(v)) {
        const e = jsonIssue((v as Record<string, unknown>)[k], `${path}.${k}`, depth + 1);
        if (e !== null) return e;
      }
      return null;
    }
    default:
      return `${path} is a ${typeof v}`;
  }
}
