// @ts-check
/**
 * A Stryker ignorer: no mutants in calls to our component loggers (`log(...)`, `log.warn(...)`,
 * `log.error(...)`, ...: node-core/src/log/logger.ts) nor in `if (log.enabled)` guards. What a log
 * line says is for a person reading a bug report; no test reads it, by design, so a mutant there
 * would only ever "survive". Errors the user sees are not log lines and stay mutated.
 */
import { PluginKind, declareValuePlugin } from '@stryker-mutator/api/plugin'

/** @param {any} node */
function isLogCallee (node) {
  if (node.type === 'Identifier') return node.name === 'log'
  return node.type === 'MemberExpression' && node.object.type === 'Identifier' && node.object.name === 'log'
}

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, 'log-calls', {
    /** @param {any} path */
    shouldIgnore (path) {
      const node = path.node
      if (node.type === 'ExpressionStatement' && node.expression.type === 'CallExpression' && isLogCallee(node.expression.callee)) {
        return 'a log line: for people, not for callers'
      }
      if (node.type === 'IfStatement' && node.test.type === 'MemberExpression' && isLogCallee(node.test) && node.test.property.name === 'enabled') {
        return 'a guard that only saves building a log line'
      }
      return undefined
    }
  })
]
