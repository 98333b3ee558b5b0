import type { SecurityConfig } from '../../config/rules-schema.js';
import { IpRange } from '../../util/ip-range.js';
import type { ClientSession } from '../types.js';
import { RuleDenied, type Action, type GateRule } from './rule.js';

interface AddressRule {
  action: Action;
  all: boolean;
  /** Undefined for `all`, and for a target that is not an address (never matches). */
  range: IpRange | undefined;
  text: string;
}

/**
 * SRS's `security` block, evaluated as SRS 7 does: a matching deny refuses; then a matching allow
 * admits; with no match the client is refused when any allow rule exists (for either action) or
 * when there are no rules at all, and admitted when there are only deny rules.
 */
export class SecurityRule implements GateRule {
  private readonly allow: AddressRule[];
  private readonly deny: AddressRule[];

  constructor(config: SecurityConfig) {
    this.allow = config.allow.map(parseRule);
    this.deny = config.deny.map(parseRule);
  }

  check(session: ClientSession, action: Action): undefined {
    const ip = session.ip;
    const denied = this.deny.find((rule) => matches(rule, action, ip));
    if (denied) throw new RuleDenied('security', `${action} denied for ${ip} by "deny ${denied.text}"`);
    if (this.allow.some((rule) => matches(rule, action, ip))) return undefined;
    if (this.allow.length > 0 || this.deny.length === 0) {
      throw new RuleDenied('security', `${action} not allowed for ${ip} by any of ${this.allow.length}/${this.deny.length} allow/deny rules`);
    }
    return undefined;
  }
}

function parseRule(text: string): AddressRule {
  const [action, target = ''] = text.trim().split(/\s+/) as [Action, string?];
  return { action, all: target === 'all', range: IpRange.parse(target), text: `${action} ${target}` };
}

function matches(rule: AddressRule, action: Action, ip: string): boolean {
  return rule.action === action && (rule.all || rule.range?.contains(ip) === true);
}
