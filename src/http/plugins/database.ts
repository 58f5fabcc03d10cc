/** Opens the database (unless the caller hands one in) and closes it when the app closes. */
import fp from 'fastify-plugin'
import { openDatabase, type DatabaseHandle } from '../../db/client.js'

export default fp<{ database?: DatabaseHandle }>(
  async (app, opts) => {
    const handle = opts.database ?? (await openDatabase({ databaseUrl: app.config.databaseUrl, dataDir: app.config.dataDir }))
    app.decorate('database', handle)
    app.decorate('db', handle.db)
    // A handle passed in belongs to the caller (tests share one across apps).
    if (!opts.database) app.addHook('onClose', async () => handle.close())
  },
  { name: 'database', dependencies: ['config'] },
)
