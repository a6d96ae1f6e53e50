import { AppError } from '../domain/errors.ts';

/** A complete run of base64 quads, the last of which may be padded. */
const QUADS = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const PARTIAL = /^[A-Za-z0-9+/]{0,3}={0,2}$/;
const WHITESPACE = /[\t\n\r ]/g;

/**
 * Decodes a base64 value that arrives in pieces (a FHIR base64Binary streamed out of a JSON string), strictly: only
 * the base64 alphabet, padding only at the very end; whitespace, which FHIR allows between groups, is skipped.
 * Node decodes each run of whole quads (Buffer.from); what is ours is only carrying the 0-3 characters that end a
 * piece over to the next, which no library does for a string that is itself streamed token by token, and refusing
 * what Buffer.from would silently skip (it ignores characters outside the alphabet).
 */
export class Base64Decoder {
  #carry = '';
  #padded = false;
  #field: string;

  /** field: where the value sits, for the error (e.g. `Bundle.entry[2].resource.data`). */
  constructor(field: string) {
    this.#field = field;
  }

  push(piece: string): Buffer {
    const s = this.#carry + piece.replace(WHITESPACE, '');
    if (s === '') return Buffer.alloc(0);
    if (this.#padded) throw this.#invalid('characters follow the padding');
    const whole = s.length - (s.length % 4);
    const run = s.slice(0, whole);
    this.#carry = s.slice(whole);
    if (!QUADS.test(run) || !PARTIAL.test(this.#carry)) throw this.#invalid('it holds characters outside the base64 alphabet, or padding before its end');
    if (run.endsWith('=')) {
      this.#padded = true;
      if (this.#carry) throw this.#invalid('characters follow the padding');
    }
    return Buffer.from(run, 'base64');
  }

  /** The last bytes: a final group written without its padding (2 or 3 characters) is accepted. */
  end(): Buffer {
    const rest = this.#carry;
    this.#carry = '';
    if (rest === '') return Buffer.alloc(0);
    if (!/^[A-Za-z0-9+/]{2,3}$/.test(rest)) throw this.#invalid('its length is not a whole number of base64 groups');
    return Buffer.from(rest, 'base64');
  }

  #invalid(why: string): AppError {
    return new AppError('validation_failed', `${this.#field} is not valid base64: ${why}`, { field: this.#field });
  }
}
