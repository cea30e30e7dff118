import { describe, expect, it } from 'vitest';
import { memoryIo } from './io.js';
import { run } from './run.js';

const agreement = new URL('../../../../examples/agreements/gaza-2025.yaml', import.meta.url)
  .pathname;
const base = new URL('../../../../examples/scenarios/gaza-2025-synthetic.jsonl', import.meta.url)
  .pathname;
const notices = new URL(
  '../../../../examples/scenarios/gaza-2025-notices-synthetic.jsonl',
  import.meta.url,
).pathname;

describe('truce notice', () => {
  it('send and ack print events that list reads back, acknowledged and then overdue', async () => {
    const sendIo = memoryIo({ now: new Date('2025-02-01T08:00:00Z') });
    const sent = await run(
      [
        'notice',
        'send',
        '--from',
        'hamas',
        '--to',
        'israel,egypt',
        '--kind',
        'extension_request',
        '--subject',
        'Extend phase 1 by two days',
        '--id',
        'ext-1',
      ],
      sendIo,
    );
    expect(sent).toBe(0);
    const ackIo = memoryIo({ now: new Date('2025-02-01T09:00:00Z') });
    expect(await run(['notice', 'ack', 'ext-1', '--org', 'israel'], ackIo)).toBe(0);
    const stdin = sendIo.output() + ackIo.output();
    const listIo = memoryIo({ stdin, now: new Date('2025-02-02T10:00:00Z') });
    expect(await run(['notice', 'list', '-', '--agreement', agreement], listIo)).toBe(0);
    const out = listIo.output();
    expect(out).toContain('ext-1  extension_request  hamas → israel, egypt');
    expect(out).toContain('israel: acknowledged 2025-02-01T09:00Z');
    expect(out).toContain('egypt: sent, not acknowledged (due 2025-02-02T08:00Z)');
    expect(out).toContain(
      'escalated to the mediators (qatar, egypt, united-states) 2025-02-02T08:00Z',
    );
    expect(out).toContain('1 notice, 1 with an overdue acknowledgement');
  });

  it('lists the sample names lists, the slow acknowledgement escalated and since acknowledged', async () => {
    const io = memoryIo();
    const code = await run(
      [
        'notice',
        'list',
        base,
        notices,
        '--agreement',
        agreement,
        '--as-of',
        '2025-02-11T12:00:00+02:00',
        '--org',
        'israel',
      ],
      io,
    );
    expect(io.errors()).toBe('');
    expect(code).toBe(0);
    expect(io.output()).toContain('names-day-14  names_list  hamas → israel');
    expect(io.output()).toContain('escalated to the mediators (qatar, egypt, united-states)');
    expect(io.output()).toContain(', since acknowledged');
    expect(io.output()).toContain('4 notices, 0 with an overdue acknowledgement');
  });

  it('refuses an unknown kind with the path of the problem (exit 2)', async () => {
    const io = memoryIo();
    const code = await run(
      [
        'notice',
        'send',
        '--from',
        'hamas',
        '--to',
        'israel',
        '--kind',
        'ultimatum',
        '--subject',
        'x',
      ],
      io,
    );
    expect(code).toBe(2);
    expect(io.errors()).toContain('payload.kind');
  });
});
