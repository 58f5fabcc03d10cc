/**
 * The catalogue of domain errors. Each has a stable code (clients and tests match on it), a
 * title in Chinese (what a user of the console or the phone app reads first),
 * a kind that one place (src/http/plugins/errors.ts) maps to an HTTP status, and, where the
 * input was at fault, a list of every problem found so the user can fix them all at once.
 */

export type ErrorKind = 'invalid' | 'not-found' | 'conflict' | 'state' | 'unauthorized' | 'forbidden' | 'unavailable' | 'too-large'

/** One problem with one place in the input: a file path, a sheet/row/column, a record index. */
export interface Issue {
  path: string
  message: string
  line?: number
}

export const ErrorCodes = {
  VALIDATION_FAILED: { kind: 'invalid', title: '输入有误' },
  /** A value the database refused as data (SQLSTATE class 22) that validation let through. */
  INVALID_VALUE: { kind: 'invalid', title: '数值无法保存' },
  INDICATOR_SET_INVALID: { kind: 'invalid', title: '测评体系文件有误' },
  INDICATOR_SET_IMMUTABLE: { kind: 'conflict', title: '已加载的测评体系版本不可修改' },
  INDICATOR_SET_NOT_FOUND: { kind: 'not-found', title: '测评体系不存在' },
  NOT_FOUND: { kind: 'not-found', title: '未找到' },
  CONFLICT: { kind: 'conflict', title: '与已保存的数据冲突' },
  ROUND_STATE: { kind: 'state', title: '测评轮次当前状态不允许此操作' },
  UNAUTHORIZED: { kind: 'unauthorized', title: '需要有效的登录凭据' },
  FORBIDDEN: { kind: 'forbidden', title: '无权进行此操作' },
  DATA_DIR_BUSY: { kind: 'unavailable', title: '内置数据库正被另一个进程使用' },
  CONFIG_INVALID: { kind: 'invalid', title: '配置有误' },
  PHOTO_TOO_LARGE: { kind: 'too-large', title: '照片过大' },
  BATCH_TOO_LARGE: { kind: 'too-large', title: '一批记录过多' },
  CREDIBILITY_BUSY: { kind: 'unavailable', title: '可信度分析任务过多，请稍后再试' },
  DATABASE_UNAVAILABLE: { kind: 'unavailable', title: '数据库无响应' },
  MIGRATIONS_PENDING: { kind: 'unavailable', title: '数据库需要升级（迁移）' },
  AUDIT_CHAIN_BROKEN: { kind: 'unavailable', title: '审计链校验未通过' },
  DATABASE_NOT_EMPTY: { kind: 'conflict', title: '数据库不为空' },
  BACKUP_INVALID: { kind: 'invalid', title: '备份文件无法恢复' },
  BACKUP_CHECK_FAILED: { kind: 'invalid', title: '恢复的数据校验未通过' },
  BACKUP_TOOL_MISSING: { kind: 'unavailable', title: '缺少 PostgreSQL 客户端工具' },
  DATABASE_PRIVILEGES: { kind: 'forbidden', title: '数据库角色无此权限' },
  PLAN_NO_BASIS: { kind: 'conflict', title: '没有可作为抽样规划依据的轮次：请指定有考察记录的轮次，或给出先验的抽样误差' },
  LAST_PLACE_SETTLED: { kind: 'conflict', title: '本组末位已可确定，无需补充考察' },
  SETTLE_NOT_POSSIBLE: { kind: 'conflict', title: '在登记点位范围内补充考察也无法确定末位，没有可接受的补充考察计划' },
} as const satisfies Record<string, { kind: ErrorKind; title: string }>

export type ErrorCode = keyof typeof ErrorCodes

export class DomainError extends Error {
  readonly code: ErrorCode
  readonly kind: ErrorKind
  readonly title: string
  readonly issues: Issue[]

  constructor(code: ErrorCode, detail: string, issues: Issue[] = []) {
    super(detail)
    this.name = 'DomainError'
    this.code = code
    this.kind = ErrorCodes[code].kind
    this.title = ErrorCodes[code].title
    this.issues = issues
  }
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError
}

/** `file: path: reason (line n)`, the form every validator prints. */
export function formatIssue(source: string, issue: Issue): string {
  const where = issue.path === '' ? '' : `${issue.path}: `
  const line = issue.line === undefined ? '' : ` (line ${issue.line})`
  return `${source}: ${where}${issue.message}${line}`
}
