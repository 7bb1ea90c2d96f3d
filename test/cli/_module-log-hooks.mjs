// The resolve hook of _module-log.mjs: appends each ES module's URL to IPXLAB_MODULE_LOG.
import { appendFileSync } from 'node:fs'

export async function resolve (specifier, context, next) {
  const r = await next(specifier, context)
  if (process.env.IPXLAB_MODULE_LOG !== undefined) appendFileSync(process.env.IPXLAB_MODULE_LOG, `${r.url}\n`)
  return r
}
