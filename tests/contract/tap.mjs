// SPDX-License-Identifier: GPL-3.0-or-later
// tap.mjs: a minimal TAP producer for the contract tests (meson reads it: protocol 'tap').

import { inspect } from 'node:util';

export class Tap {
  constructor() {
    this.n = 0;
    this.failed = 0;
  }

  // Runs one test: ok if `fn` resolves, not ok (with the error as a YAML-ish comment) if it
  // throws. `skip` (a reason) reports it skipped without running it. Resolves to whether it
  // passed, so that dependent steps can be skipped.
  async test(name, fn, { skip = null } = {}) {
    const n = ++this.n;
    if (skip) {
      console.log(`ok ${n} - ${name} # SKIP ${skip}`);
      return false;
    }
    try {
      await fn();
      console.log(`ok ${n} - ${name}`);
      return true;
    } catch (e) {
      this.failed++;
      console.log(`not ok ${n} - ${name}`);
      // The message says what broke; a stack only for errors that are not the test's own.
      const own = e instanceof Error && /^(Error|AssertionError)$/.test(e.name);
      const text = e instanceof Error ? (own ? e.message : (e.stack ?? e.message)) : inspect(e);
      for (const line of text.split('\n')) console.log(`# ${line}`);
      return false;
    }
  }

  comment(text) {
    for (const line of String(text).split('\n')) console.log(`# ${line}`);
  }

  bailOut(reason) {
    console.log(`Bail out! ${reason}`);
  }

  // Prints the plan (at the end, which TAP allows) and returns the exit status.
  end() {
    console.log(`1..${this.n}`);
    return this.failed === 0 ? 0 : 1;
  }
}

export function assert(condition, message) {
  if (!condition) throw new Error(message ?? 'assertion failed');
}

export function assertEqual(actual, expected, message) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${message ?? 'not equal'}: got ${a}, expected ${e}`);
}
