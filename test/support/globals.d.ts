// Tests read many JSON bodies and assert on them; typing each one would add nothing the assertions don't check.
declare global {
  interface Body {
    json(): Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  }
  interface Response {
    json(): Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  }
}
export {};
