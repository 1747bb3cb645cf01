/**
 * The tool list is read by a model on every turn, so its JSON Schemas are made lean: no `$schema`
 * (2020-12 is MCP's default dialect), a nullable field as a type array with its description on
 * the property (not hidden inside `anyOf`), a shape repeated inside one schema written once under
 * `$defs` and referenced, no `additionalProperties: false`, and for outputs no `required` or
 * `enum`. The server still checks every argument and result against the full zod schemas.
 */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Node = { [key: string]: Json };

const isNode = (value: Json | undefined): value is Node => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The places inside a schema node that hold schemas, as [container key, child key or index]. */
function* childSlots(node: Node): Generator<[Node | Json[], string | number, string]> {
  for (const key of ['items', 'additionalProperties', 'not']) if (isNode(node[key])) yield [node, key, key];
  for (const key of ['properties', '$defs']) {
    const map = node[key];
    if (isNode(map)) for (const name of Object.keys(map)) if (isNode(map[name])) yield [map, name, name];
  }
  for (const key of ['anyOf', 'oneOf', 'allOf', 'prefixItems']) {
    const list = node[key];
    if (Array.isArray(list)) for (let i = 0; i < list.length; i++) if (isNode(list[i])) yield [list, i, key];
  }
}

const childOf = (container: Node | Json[], key: string | number) => (container as Record<string | number, Json>)[key] as Node;

/** `anyOf: [X, {type: null}]` as `type: [X's type, "null"]` (valid 2020-12), description kept outside. */
function collapseNullable(node: Node): Node {
  const options = node.anyOf;
  if (!Array.isArray(options) || options.length !== 2) return node;
  const nullIndex = options.findIndex((o) => isNode(o) && o.type === 'null' && Object.keys(o).length === 1);
  const other = options[1 - nullIndex];
  if (nullIndex < 0 || !isNode(other)) return node;
  const { anyOf: _anyOf, ...rest } = node;
  if (typeof other.type !== 'string' || 'anyOf' in other || 'oneOf' in other || 'allOf' in other) {
    // Not mergeable: still let the property carry the description a model reads.
    return rest.description === undefined && typeof other.description === 'string' ? { description: other.description, ...node } : node;
  }
  const merged: Node = { ...other, ...rest, type: [other.type, 'null'] };
  if (Array.isArray(other.enum)) merged.enum = [...other.enum, null];
  return merged;
}

function tidy(node: Node, io: 'input' | 'output'): Node {
  const result = collapseNullable(node);
  // An unknown argument is refused with a message naming it, so saying so on every object only
  // lengthens the list; of what the server returns, that no other key ever appears tells nothing.
  if (result.additionalProperties === false) delete result.additionalProperties;
  if (io === 'output') {
    // Nor does which keys are always there: every client validation still passes without it.
    delete result.required;
    // Nor does the list of values a field can take (the inputs state them), or an open object's `{}`.
    if (Array.isArray(result.enum) && result.type !== undefined) delete result.enum;
    // Nor the bounds of a number the server returns (zod gives every integer the safe-integer range).
    delete result.minimum;
    delete result.maximum;
    const extra = result.additionalProperties;
    if (isNode(extra) && Object.keys(extra).length === 0) delete result.additionalProperties;
  }
  for (const [container, key] of childSlots(result)) (container as Record<string | number, Json>)[key] = tidy(childOf(container, key), io);
  return result;
}

interface Occurrence {
  container: Node | Json[];
  key: string | number;
  name: string;
}

/** Every schema below the root, by its serialized form. */
function occurrences(root: Node): Map<string, Occurrence[]> {
  const found = new Map<string, Occurrence[]>();
  const visit = (node: Node, name: string) => {
    for (const [container, key, slot] of childSlots(node)) {
      const child = childOf(container, key);
      const childName =
        typeof key === 'string' && slot !== 'items' && slot !== 'additionalProperties' ? key : `${name}_${slot === 'items' ? 'item' : 'option'}`;
      const text = JSON.stringify(child);
      const list = found.get(text) ?? [];
      list.push({ container, key, name: childName });
      found.set(text, list);
      visit(child, childName);
    }
  };
  visit(root, 'value');
  return found;
}

const refTo = (name: string) => `#/$defs/${name}`;
const MIN_SAVING = 40;

/** Writes each shape that occurs more than once (and is worth it) once, under $defs. */
function shareRepeats(root: Node): Node {
  for (;;) {
    let best: { text: string; uses: Occurrence[]; saving: number } | undefined;
    for (const [text, uses] of occurrences(root)) {
      if (uses.length < 2) continue;
      const refSize = JSON.stringify({ $ref: refTo(uses[0]!.name) }).length;
      const saving = (uses.length - 1) * text.length - uses.length * refSize - uses[0]!.name.length - 4;
      // Small savings are not worth a reader's jump to a definition.
      if (saving >= MIN_SAVING && (!best || saving > best.saving)) best = { text, uses, saving };
    }
    if (!best) return root;
    const defs = (isNode(root.$defs) ? root.$defs : (root.$defs = {})) as Node;
    let name = best.uses[0]!.name;
    for (let n = 2; name in defs; n++) name = `${best.uses[0]!.name}_${n}`;
    defs[name] = JSON.parse(best.text) as Json;
    for (const use of best.uses) (use.container as Record<string | number, Json>)[use.key] = { $ref: refTo(name) };
  }
}

/**
 * A shared definition's primitive `type` moves to the places that use it, so that a nullable use
 * can say `type: [..., "null"]` beside its `$ref` (the definition's other keywords, such as
 * maxLength, constrain strings only and let null through).
 */
function typesToUses(root: Node): Node {
  const defs = isNode(root.$defs) ? root.$defs : {};
  const moved = new Map<string, Json>();
  for (const [name, def] of Object.entries(defs)) {
    if (isNode(def) && typeof def.type === 'string' && def.type !== 'object' && def.type !== 'array') {
      moved.set(refTo(name), def.type);
      delete def.type;
    }
  }
  const visit = (node: Node) => {
    const type = typeof node.$ref === 'string' ? moved.get(node.$ref) : undefined;
    if (type !== undefined && node.type === undefined) node.type = type;
    for (const [container, key] of childSlots(node)) visit(childOf(container, key));
  };
  if (moved.size) visit(root);
  return root;
}

export function leanSchema(schema: Record<string, unknown>, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = structuredClone(schema) as Node;
  return shareRepeats(tidy(typesToUses(rest), io));
}
