import { describe, expect, it } from 'vitest';
import { withProviderAdvice, type ManagedProvider } from '../../src/playbooks/provider-advice.ts';
import type { Finding } from '../../src/playbooks/types.ts';

const finding = (evidence: Record<string, unknown>): Finding => ({
  id: 'connections/settings_review/setting shared_buffers',
  playbook: 'connections',
  check: 'settings_review',
  severity: 'info',
  target: 'setting shared_buffers',
  title: 't',
  rationale: 'r',
  evidence,
  up: null,
  down: null,
  drops: [],
  keeps: [],
});

const rds: ManagedProvider = { name: 'Amazon RDS', changeSetting: (s) => `set ${s} in the DB parameter group, then reboot` };

describe('provider advice on settings findings', () => {
  it('adds the provider\'s way to a finding about a setting on a managed server', () => {
    const f = withProviderAdvice(finding({ setting: 'shared_buffers', alter_system: '…' }), rds);
    expect(f.evidence.managed).toEqual({ provider: 'Amazon RDS', how: 'set shared_buffers in the DB parameter group, then reboot' });
    expect(f.evidence.alter_system).toBe('…');
  });

  it('leaves findings that are not about a setting, and every finding on a self-managed server, as they are', () => {
    const notSetting = finding({ table: 'public.t' });
    expect(withProviderAdvice(notSetting, rds)).toBe(notSetting);
    const setting = finding({ setting: 'work_mem' });
    expect(withProviderAdvice(setting, null)).toBe(setting);
  });
});
