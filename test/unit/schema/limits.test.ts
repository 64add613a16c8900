import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Access, calls, FleetServerChoice } from '../../../shared/common/ipc';
import { isServiceName, isWholeNumberWithin, PROBE_LIMITS, SERVICE_NAME_MAX, SSH_LIMITS } from '../../../shared/common/schema/limits';
import { ProbeOptions } from '../../../shared/common/schema/probe';

// The first screen checks its fields with limits.ts (no zod); main checks the same request with the
// contract's schemas. Each zod-free check must accept exactly what its schema accepts.

const numbers = fc.oneof(
  fc.integer({ min: -100, max: 70_000 }),
  fc.double({ min: -100, max: 70_000 }),
  fc.constantFrom(0, -0, 1, 10, 11, 99, 100, 60_000, 60_001, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER + 2),
);
const anything = fc.oneof(numbers, fc.constant(null), fc.constant(undefined), fc.string());

describe('the zod-free checks agree with the schemas', () => {
  it.each(Object.keys(PROBE_LIMITS) as (keyof typeof PROBE_LIMITS)[])('probe option %s', (option) => {
    const schema = ProbeOptions.shape[option];
    expect([schema.minValue, schema.maxValue]).toEqual([PROBE_LIMITS[option].min, PROBE_LIMITS[option].max]);
    fc.assert(fc.property(anything, (value) => isWholeNumberWithin(value, PROBE_LIMITS[option]) === schema.safeParse(value).success));
  });

  it('service name', () => {
    const schema = calls.startDiagnosis.request.shape.service.unwrap();
    expect(schema.maxLength).toBe(SERVICE_NAME_MAX);
    const texts = fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 20 }), fc.constantFrom('', 'postgresql', 'a\u0007b', 'x\u007f', 'x'.repeat(SERVICE_NAME_MAX), 'x'.repeat(SERVICE_NAME_MAX + 1)));
    fc.assert(fc.property(texts, (text) => isServiceName(text) === schema.safeParse(text).success));
  });

  it('SSH destination and jump list bounds', () => {
    const ssh = Access.options[1].shape;
    expect(ssh.destination.maxLength).toBe(SSH_LIMITS.destinationMax);
    expect(FleetServerChoice.options[1].shape.destination.maxLength).toBe(SSH_LIMITS.destinationMax);
    const jumps = (n: number) => ssh.jumps.safeParse(Array.from({ length: n }, () => 'a@j')).success;
    expect(jumps(SSH_LIMITS.maxJumps)).toBe(true);
    expect(jumps(SSH_LIMITS.maxJumps + 1)).toBe(false);
  });
});
