import { randomInt } from 'node:crypto';

/** A random NHS number with a valid modulus-11 check digit, so tests sharing one FHIR server never collide. */
export function randomNhsNumber(): string {
  for (;;) {
    const digits = Array.from({ length: 9 }, (_, i) => (i === 0 ? randomInt(1, 10) : randomInt(0, 10)));
    const sum = digits.reduce((acc, d, i) => acc + d * (10 - i), 0);
    const check = 11 - (sum % 11);
    if (check === 10) continue;
    return `${digits.join('')}${check === 11 ? 0 : check}`;
  }
}
