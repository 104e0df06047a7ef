import { describe, expect, test } from 'vitest';
import { countSegments } from '../../src/channels/sms-segments.ts';

describe('countSegments', () => {
  test.each([
    ['empty', '', 'GSM-7', 0],
    ['one character', 'a', 'GSM-7', 1],
    ['GSM-7 at 160', 'a'.repeat(160), 'GSM-7', 1],
    ['GSM-7 at 161', 'a'.repeat(161), 'GSM-7', 2],
    ['GSM-7 at 306 (2 × 153)', 'a'.repeat(306), 'GSM-7', 2],
    ['GSM-7 at 307', 'a'.repeat(307), 'GSM-7', 3],
    ['GSM-7 accents and Greek stay GSM-7', 'àÄéñüΩΣ@£¥§¿¡', 'GSM-7', 1],
    ['an emoji switches to UCS-2', 'Hi 🤖', 'UCS-2', 1],
    ['UCS-2 at 70', `${'é'.repeat(69)}ā`, 'UCS-2', 1],
    ['UCS-2 at 71', `${'é'.repeat(70)}ā`, 'UCS-2', 2],
    ['UCS-2 at 134 (2 × 67)', 'ā'.repeat(134), 'UCS-2', 2],
    ['UCS-2 at 135', 'ā'.repeat(135), 'UCS-2', 3],
    ['CJK is UCS-2', 'こんにちは', 'UCS-2', 1],
    ['a lower-case ç is not GSM-7 (only Ç is)', 'ç', 'UCS-2', 1],
  ])('%s', (_name, body, encoding, segments) => {
    expect(countSegments(body)).toMatchObject({ encoding, segments });
  });

  test.each([...'€[]{}\\^~|\f'])('the extension character %j costs two septets', (char) => {
    expect(countSegments(char)).toEqual({ encoding: 'GSM-7', segments: 1, units: 2 });
    expect(countSegments(char + 'a'.repeat(158))).toMatchObject({ units: 160, segments: 1 });
    expect(countSegments(char + 'a'.repeat(159))).toMatchObject({ units: 161, segments: 2 });
  });

  test('an escape pair is never split across segments', () => {
    // 152 septets then € (2): the pair moves to the second segment; 153 + 153 + the rest.
    expect(countSegments(`${'a'.repeat(152)}€${'a'.repeat(152)}`).segments).toBe(3);
    expect(countSegments(`${'a'.repeat(151)}€${'a'.repeat(153)}`).segments).toBe(2);
  });

  test('an emoji costs two UCS-2 units and is never split', () => {
    expect(countSegments('🤖'.repeat(35))).toEqual({ encoding: 'UCS-2', segments: 1, units: 70 });
    expect(countSegments('🤖'.repeat(36))).toEqual({ encoding: 'UCS-2', segments: 2, units: 72 });
    // 66 units then a 2-unit emoji: it starts the second segment.
    expect(countSegments(`${'ā'.repeat(66)}🤖${'ā'.repeat(66)}`).segments).toBe(3);
  });
});
