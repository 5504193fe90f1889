// @ts-check
/**
 * A Stryker ignorer: no mutants in calls to our component loggers (`log(...)`, `log.warn(...)`,
 * `log.error(...)`, ...: node-core/src/log/logger.ts), in their namespaces (`logger('swarmdrop:x')`),
 * in `if (log.enabled)` guards, nor in code whose only effect is a log line: an `if` whose branches
 * only log, a block (a catch, a callback's body) that only logs. What a log line says, and whether it
 * is written, is for a person reading a bug report; no test reads it, by design, so a mutant there
 * would only ever "survive". Errors the user sees are not log lines and stay mutated.
 */
import { PluginKind, declareValuePlugin } from '@stryker-mutator/api/plugin'

/** @param {any} node */
function isLogCallee (node) {
  if (node.type === 'Identifier') return node.name === 'log'
  return node.type === 'MemberExpression' && node.object.type === 'Identifier' && node.object.name === 'log'
}

/** @param {any} node an expression that may change something (a call, an assignment, ++/--, await) */
function hasEffects (node) {
  if (node == null || typeof node !== 'object') return false
  if (['CallExpression', 'NewExpression', 'AssignmentExpression', 'UpdateExpression', 'AwaitExpression'].includes(node.type)) return true
  for (const [key, value] of Object.entries(node)) {
    if (key === 'loc' || key === 'start' || key === 'end' || key === 'extra') continue
    if (Array.isArray(value) ? value.some(hasEffects) : (value?.type != null && hasEffects(value))) return true
  }
  return false
}

/** @param {any} node a statement that does nothing but write a log line (or decide whether to) */
function onlyLogs (node) {
  if (node == null) return false
  if (node.type === 'ExpressionStatement') return node.expression.type === 'CallExpression' && isLogCallee(node.expression.callee)
  if (node.type === 'IfStatement') return !hasEffects(node.test) && onlyLogs(node.consequent) && (node.alternate == null || onlyLogs(node.alternate))
  if (node.type === 'BlockStatement') return node.body.length > 0 && node.body.every(onlyLogs)
  return false
}

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, 'log-calls', {
    /** @param {any} path */
    shouldIgnore (path) {
      const node = path.node
      if (node.type === 'ExpressionStatement' && node.expression.type === 'CallExpression' && isLogCallee(node.expression.callee)) {
        return 'a log line: for people, not for callers'
      }
      if (node.type === 'CallExpression' && node.callee.type === 'Identifier' && node.callee.name === 'logger') {
        return 'a log namespace: for people, not for callers'
      }
      if ((node.type === 'IfStatement' || node.type === 'BlockStatement') && onlyLogs(node)) {
        return 'code whose only effect is a log line'
      }
      if (node.type === 'IfStatement' && node.test.type === 'MemberExpression' && isLogCallee(node.test) && node.test.property.name === 'enabled') {
        return 'a guard that only saves building a log line'
      }
      return undefined
    }
  })
]
