/** NHS number: 10 digits, the last a modulus-11 check digit over the first nine weighted 10..2. */
export function isValidNhsNumber(value: string): boolean {
  if (!/^\d{10}$/.test(value)) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(value[i]) * (10 - i);
  const check = 11 - (sum % 11);
  if (check === 10) return false;
  return (check === 11 ? 0 : check) === Number(value[9]);
}

/** Accepts the common spaced form "943 476 5919" and returns the bare digits. */
export function normaliseNhsNumber(value: string): string {
  return value.replace(/[\s-]/g, '');
}
