import type { Verdict } from '../caller.js';
import { quote } from '../dialect.js';
import type { HookAnswer } from '../http/transport.js';

const RULE = 'the body must be 0 or {"code":0}';

/**
 * SRS's rule, kept exactly: status 200 or 201, and the body is `0` or a JSON object whose
 * `code` is the integer 0. `"0"`, `{"code":"0"}`, an empty body or a redirect all refuse.
 */
export function srsVerdict(answer: HookAnswer): Verdict {
  if (answer.status !== 200 && answer.status !== 201) return { ok: false, reason: `answered ${answer.status}` };
  if (answer.truncated) return { ok: false, reason: `answered an oversized body; ${RULE}` };
  if (answer.body === '0' || hasCodeZero(answer.body)) return { ok: true };
  return { ok: false, reason: `answered body ${quote(answer.body)}; ${RULE}` };
}

/** A JSON object with the integer `code` 0 (`{"code":0,"data":null}` and the like). */
export function hasCodeZero(body: string): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return false;
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && (parsed as { code?: unknown }).code === 0;
}
