// Writes docs/settings.md from the settings table (src/server/config/settings.ts), as Gunicorn's
// scripts/build_settings_doc.py does. A test regenerates it in memory and fails when the file
// is stale. Usage: npm run docs:settings
import { writeFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { flagsText } from '../src/server/config/describe.ts'
import { SECTIONS, type Setting } from '../src/server/config/setting.ts'
import { SETTINGS } from '../src/server/config/settings.ts'

export const SETTINGS_DOC = new URL('../docs/settings.md', import.meta.url)

const HEADER = `<!-- Generated file: edit src/server/config/settings.ts, then run \`npm run docs:settings\`. -->

# Settings

Every setting of the \`tsgi\` command. Each one is read from these layers, each overriding the
ones before it:

1. its default (for \`bind\` and \`workers\`, the \`PORT\` and \`WEB_CONCURRENCY\` environment
   variables replace the default when they are set);
2. the config file (\`tsgi.config.ts\`, see \`config\` below), under the setting's camelCase name;
3. the \`TSGI_CMD_ARGS\` environment variable: flags as on the command line, split as a shell
   would split them (\`TSGI_CMD_ARGS='-w 4 --access-logfile -'\`);
4. the command line.

A bad value stops \`tsgi\` with one line naming the setting, the value and its source, and exit
status 1; an unknown flag exits 2. \`tsgi --print-config\` shows every effective value and where
it came from.`

/** The whole of docs/settings.md. */
export function renderSettingsDoc(): string {
  const parts = [HEADER]
  for (const section of SECTIONS) {
    parts.push(`## ${section}`)
    for (const entry of SETTINGS.filter((candidate) => candidate.section === section)) {
      parts.push(renderSetting(entry))
    }
  }
  return `${parts.join('\n\n')}\n`
}

function renderSetting(entry: Setting): string {
  const facts = [
    commandLineText(entry),
    `- Default: ${entry.defaultText ?? valueText(entry.default)}`,
    entry.env ? `- Environment: ${environmentText(entry)}` : undefined,
  ]
  const body = facts.filter((line) => line !== undefined).join('\n')
  return `### \`${entry.name}\`\n\n${body}\n\n${entry.doc}`
}

function commandLineText(entry: Setting): string {
  if (entry.positional) return `- Command line: the argument, ${code(flagsText(entry))}`
  if (entry.cli.length === 0) return '- Command line: none; config files only'
  const flags = entry.cli.map((flag) => code(entry.meta ? `${flag} ${entry.meta}` : flag))
  return `- Command line: ${flags.join(', ')}`
}

/** A default value as code: `2048`, `127.0.0.1:8000`; none for null. */
function valueText(value: unknown): string {
  if (value === null) return 'none'
  return Array.isArray(value) ? value.map(valueText).join(', ') : code(String(value))
}

function environmentText(entry: Setting): string {
  const variable = code(entry.env!)
  const replacement = entry.fromEnv ? ` with ${valueText(entry.fromEnv(`$${entry.env}`))}` : ''
  return `when ${variable} is set and no other layer sets \`${entry.name}\`, it replaces the default${replacement}`
}

function code(text: string): string {
  return `\`${text}\``
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(SETTINGS_DOC, renderSettingsDoc())
  console.log(`wrote ${SETTINGS_DOC.pathname}`)
}
