// Admission reserves request bytes before a body is read, per receiver, connection and tenant,
// and within the process's memory budget; every reservation comes back exactly once.
import { describe, expect, test } from 'vitest';
import { MemoryBudget } from '../../src/core/memory.ts';
import { Admission, Ticket } from '../../src/receivers/otlp/admission.ts';
import { otlpReceiverConfigSchema } from '../../src/receivers/otlp/config.ts';

const MIB = 1024 * 1024;

function admission(limit = Infinity) {
  const budget = new MemoryBudget();
  if (limit !== Infinity) budget.setLimit(limit, 2000);
  return { budget, admission: new Admission({ requestBytes: 10 * MIB, perConnectionBytes: 4 * MIB, perTenantBytes: 6 * MIB }, budget) };
}

describe('admission', () => {
  test('each cap refuses with its own reason, checked before the memory budget', () => {
    const { admission: a } = admission(9 * MIB);
    const first = a.admit(4 * MIB, 'c1', 'acme') as Ticket;
    expect(first).toBeInstanceOf(Ticket);
    expect(a.admit(1, 'c1', 'globex')).toBe('connection_inflight');
    expect(a.admit(3 * MIB, 'c2', 'acme')).toBe('tenant_inflight');
    expect(a.admit(4 * MIB, 'c2', 'globex')).toBeInstanceOf(Ticket);
    expect(a.admit(2 * MIB, 'c3', undefined)).toBe('memory');
    expect(a.admit(3 * MIB, 'c3', undefined)).toBe('receiver_inflight');
  });

  test('a ticket shrinks freely, grows only within the caps, and releases once', () => {
    const { admission: a, budget } = admission();
    const ticket = a.admit(4 * MIB, 'c1', 'acme') as Ticket;
    expect(ticket.resize(1 * MIB)).toBeUndefined();
    expect(budget.byHolder().get('receiver')).toBe(1 * MIB);
    expect(ticket.resize(5 * MIB)).toBe('connection_inflight');
    expect(ticket.bytes).toBe(1 * MIB);
    ticket.release();
    ticket.release();
    expect(a.inFlightBytes).toBe(0);
    expect(budget.held).toBe(0);
    // Nothing is left behind for the connection or the tenant: the full caps are there again.
    expect(a.admit(4 * MIB, 'c1', 'acme')).toBeInstanceOf(Ticket);
  });

  test('the receiver config refuses limits that the largest request allowed could never fit', () => {
    const result = otlpReceiverConfigSchema.safeParse({ protocols: { http: { max_request_body_size: '40MiB' } }, admission: { connection_limit_mib: 16 } });
    expect(result.success).toBe(false);
    const messages = result.error!.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    expect(messages).toEqual([
      'admission.connection_limit_mib: connection_limit_mib (16) must hold the largest request allowed (40 MiB: max_request_body_size / max_recv_msg_size_mib)',
      'admission.tenant_limit_mib: tenant_limit_mib (32) must hold the largest request allowed (40 MiB: max_request_body_size / max_recv_msg_size_mib)',
    ]);
  });
});
