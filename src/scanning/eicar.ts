/**
 * The EICAR anti-virus test file (eicar.org): harmless, and detected by every scanner with a standard signature
 * database. `doctor` scans it to show clamd really has signatures loaded. Assembled from two halves so that no file of
 * this repository is itself the test file.
 */
export const eicarTestFile = (): Buffer => Buffer.from(`${'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD'}${'-ANTIVIRUS-TEST-FILE!$H+H*'}`, 'latin1');
