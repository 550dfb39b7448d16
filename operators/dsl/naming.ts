// Stable names for processors, stores and internal topics (see docs/architecture.md, "Names").
//
// Kafka Streams numbers operators with one global counter, so adding an operator renames the stores and internal
// topics of every later one and silently starts them from empty state (KIP-1111). Here a name is either the user's
// or `<anchor>-<operator>`, where the anchor is the nearest upstream name the user chose (a source topic counts).
// A suffix (-2, -3...) appears only among unnamed stateless operators of the same kind under the same anchor. A store
// or internal topic is never named by such a position: where one would be, building fails and asks for a name (what
// Kafka Streams' ensure.explicit.internal.resource.naming does, KIP-1111), because an operator added before it later
// would take its name and it would start from empty state.

const ILLEGAL_CHAR = /[^a-zA-Z0-9._-]/;
const ILLEGAL_CHARS = /[^a-zA-Z0-9._-]/g;

export class NameRegistry {
  private readonly used = new Set<string>();
  private readonly topics = new Set<string>();

  /**
   * A unique base name for an internal (repartition) topic: the user's (which must be unused) or `base`, suffixed
   * when taken. Topics have their own namespace: a store, its processor and its repartition topic may share a name.
   */
  topic(base: string, userName?: string): string {
    if (userName !== undefined) {
      checkLegal(userName);
      if (this.topics.has(userName))
        throw new Error(`the repartition name '${userName}' is used twice in this topology`);
      this.topics.add(userName);
      return userName;
    }
    const name = sanitize(base);
    if (this.topics.has(name)) throw unnamedTwice(`repartition topic '${name}'`, 'Repartitioned or Grouped');
    this.topics.add(name);
    return name;
  }

  /**
   * A unique name: the user's (which must be unused) or one derived from the anchor and operator kind. `stateful`:
   * the name also names a store, which a numeric suffix must not name.
   */
  derive(anchor: string, kind: string, userName?: string, stateful = false): string {
    if (userName !== undefined) return this.claim(userName);
    const base = sanitize(`${anchor}-${kind}`);
    if (stateful && this.used.has(base))
      throw unnamedTwice(`${kind} after '${anchor}'`, "the operation's options");
    let name = base;
    for (let i = 2; this.used.has(name); i++) name = `${base}-${i}`;
    this.used.add(name);
    return name;
  }

  /** Reserves a name the user gave; a duplicate is an error, as in Kafka Streams. */
  claim(name: string): string {
    checkLegal(name);
    if (this.used.has(name)) throw new Error(`the name '${name}' is used twice in this topology`);
    this.used.add(name);
    return name;
  }
}

function unnamedTwice(what: string, where: string): Error {
  return new Error(
    `a second unnamed ${what} in this topology: its state would be named by declaration order, and an operator ` +
      `added before it later would take that name (the state would start empty). Give it a name ({ name } in ${where}).`,
  );
}

function checkLegal(name: string): void {
  if (name.length === 0) throw new Error('a name must not be empty');
  if (ILLEGAL_CHAR.test(name)) {
    throw new Error(`name '${name}' may only contain [a-zA-Z0-9._-] (it names stores and internal topics)`);
  }
}

export function sanitize(name: string): string {
  return name.replace(ILLEGAL_CHARS, '_');
}
