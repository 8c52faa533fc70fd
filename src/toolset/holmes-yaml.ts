import { defineScalarTag, dump, load, NOT_RESOLVED, Schema, YAML11_SCHEMA } from 'js-yaml';

const BOOL_TAG = 'tag:yaml.org,2002:bool';
/** PyYAML's YAML 1.1 booleans (its bool resolver): not the spec's y/n, which PyYAML reads as strings. */
const PYYAML_TRUE = ['yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'];
const PYYAML_FALSE = ['no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'];

const pyyamlBool = defineScalarTag(BOOL_TAG, {
  implicit: true,
  implicitFirstChars: ['y', 'Y', 'n', 'N', 't', 'T', 'f', 'F', 'o', 'O'],
  resolve: (source) => (PYYAML_TRUE.includes(source) ? true : PYYAML_FALSE.includes(source) ? false : NOT_RESOLVED),
  identify: (value) => typeof value === 'boolean',
  represent: (value) => (value === true ? 'true' : 'false'),
});

/** js-yaml's YAML 1.1 schema with PyYAML's booleans. */
const PYYAML_SCHEMA = new Schema(YAML11_SCHEMA.tags.map((tag) => (tag.tagName === BOOL_TAG ? pyyamlBool : tag)));

/**
 * HolmesGPT reads toolset files with PyYAML's safe_load (through benedict, holmes/core/toolset_manager.py), which is
 * YAML 1.1: `yes`, `no`, `on` and `off` are booleans, `0755` is the octal 493, `1_000` is 1000, `1:30` is 90.
 * Everything the operator reads on HolmesGPT's behalf (overrides.yaml, the admin's base layer, `validate`) is read
 * the same way, and what it writes quotes any string YAML 1.1 would read as something else.
 */
export function loadAsHolmesGPT(text: string): unknown {
  return load(text, { schema: PYYAML_SCHEMA });
}

export function dumpForHolmesGPT(value: unknown, options: Parameters<typeof dump>[1] = {}): string {
  return dump(value, { ...options, schema: PYYAML_SCHEMA });
}
