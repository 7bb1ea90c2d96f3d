/**
 * Test helper: compose files read as the real tools read them. YAML to JSON with python3's PyYAML:
 * docker-compose is a Python program that depends on it (Debian `docker-compose` Depends:
 * python3-yaml), so it is there whenever docker-compose is.
 */
import { spawnSync } from 'node:child_process'

/** A YAML document (compose, `docker-compose config` output) as JSON. */
export function yamlToJson (yaml: string): unknown {
  const r = spawnSync('python3', ['-c', 'import sys, json, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'], { input: yaml, encoding: 'utf8', timeout: 30_000 })
  if (r.status !== 0) throw new Error(`python3 yaml: ${r.stderr}`)
  return JSON.parse(r.stdout) as unknown
}
