/**
 * `defineConfig`, for typed config files:
 *
 * ```ts
 * // tsgi.config.ts
 * import { defineConfig } from 'tsgi'
 * export default defineConfig({ app: 'src/app.ts', workers: 4, bind: ['0.0.0.0:8000'] })
 * ```
 * @module
 */
import type { Config } from './settings.ts'

/** A list setting also takes a single item, as Gunicorn's `bind = "…"` does. */
type InputValue<T> = T extends readonly (infer Item)[] ? Item | Item[] : T

/**
 * What a config file may set: any setting but `config` itself, each optional. Values have the
 * types the settings produce (numbers for counts and seconds, the listed words for choices).
 */
export type ConfigInput = {
  -readonly [K in Exclude<keyof Config, 'config'>]?: InputValue<Config[K]>
}

/** Returns its argument: it exists so that editors check and complete the settings. */
export function defineConfig(config: ConfigInput): ConfigInput {
  return config
}
