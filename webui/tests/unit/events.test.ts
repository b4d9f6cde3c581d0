import { describe, expect, it } from 'vitest';
import { endReason } from '../../src/lib/events';

describe('endReason', () => {
  it('reads the reason the gateway gives for ending the stream', () => {
    expect(endReason('{"reason":"your account was disabled"}')).toBe('your account was disabled');
  });
  it('falls back to a plain sentence on junk', () => {
    expect(endReason('not json')).toBe('your sign-in ended');
    expect(endReason('{"reason":42}')).toBe('your sign-in ended');
    expect(endReason('{}')).toBe('your sign-in ended');
  });
});
