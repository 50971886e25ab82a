// SPDX-License-Identifier: GPL-3.0-or-later
// contract.mjs: drives the real tongban-server through a scripted scenario and checks every
// answer against docs/openapi.yaml: its status must be documented for the operation, its
// media type, declared headers and body must match. Every request the scenario sends is
// checked against the spec too: those meant to be valid must be, those meant to be refused
// must break the spec. Prints TAP.
//
//   node tests/contract/contract.mjs path/to/tongban-server [SOURCE_ROOT]
//
// The server is started on 127.0.0.1:0 with a temporary database and a small demo, and is
// killed at the end, also when a step fails or the whole run takes too long.

import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { Tap, assert, assertEqual } from './tap.mjs';

const { Contract } = await import('./openapi.mjs').catch((e) => {
  console.log(
    `Bail out! cannot load the checker (run \`npm ci\` at the source root): ${e.message}`,
  );
  process.exit(1);
});

const SERVER = process.argv[2];
const ROOT = process.argv[3] ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DEMO_CASES = Number(process.env.TB_CONTRACT_DEMO_CASES ?? 60);
const DEMO_PASSWORD_DEFAULT = 'tongban-demo';
const RUN_TIMEOUT_MS = 55_000;
const REQUEST_TIMEOUT_MS = 10_000;
const P = 'https://tongban.github.io/problems/';

const tap = new Tap();
let server = null;
let serverLog = [];
let tmp = null;

/* ---- The server ---------------------------------------------------------------------------- */

function stopServer() {
  if (server && server.exitCode === null && server.signalCode === null) {
    try {
      server.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
  server = null;
  if (tmp) {
    rmSync(tmp, { recursive: true, force: true });
    tmp = null;
  }
}

process.on('exit', stopServer);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopServer();
    process.exit(1);
  });
}
setTimeout(() => {
  tap.bailOut(`the run took more than ${RUN_TIMEOUT_MS / 1000} s`);
  dumpServerLog();
  stopServer();
  process.exit(1);
}, RUN_TIMEOUT_MS).unref();

function dumpServerLog() {
  tap.comment("last lines of the server's output:");
  for (const line of serverLog.slice(-30)) tap.comment('  ' + line);
}

// Starts the server; resolves to { base, password } once it says where it listens.
function startServer() {
  tmp = mkdtempSync(path.join(tmpdir(), 'tongban-contract-'));
  const args = [
    '--listen',
    '127.0.0.1:0',
    '--db',
    path.join(tmp, 'server.db'),
    '--demo',
    '--demo-cases',
    String(DEMO_CASES),
  ];
  server = spawn(SERVER, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TB_SERVER_PWHASH: 'min', LC_ALL: 'C.UTF-8', LANGUAGE: 'en' },
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error('the server did not say where it listens within 20 s')),
      20_000,
    );
    const onData = (chunk) => {
      const text = chunk.toString('utf8');
      out += text;
      serverLog.push(...text.split('\n').filter((l) => l.length > 0));
      if (serverLog.length > 500) serverLog = serverLog.slice(-200);
      const m = /Listening on (http:\/\/127\.0\.0\.1:(\d+))/.exec(out);
      if (m) {
        clearTimeout(timer);
        // Give the demo accounts' lines a moment to arrive; the password is read if printed.
        setTimeout(() => {
          const pw = /password\s*[“"']([^”"'\s]+)[”"']/i.exec(out);
          resolve({ base: m[1], password: pw ? pw[1] : DEMO_PASSWORD_DEFAULT, out });
        }, 100);
      }
    };
    server.stdout.on('data', onData);
    server.stderr.on('data', onData);
    server.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    server.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code ?? signal}) before listening:\n${out}`));
    });
  });
}

/* ---- Requests, each checked against the spec ------------------------------------------------ */

const contract = new Contract(path.join(ROOT, 'docs/openapi.yaml'));
let BASE = null;
let requestCount = 0;

// The SHA-256s an application form names (attachment values are `{name, size, sha256, …}`).
function formHashes(node, out = new Set()) {
  if (Array.isArray(node)) node.forEach((v) => formHashes(v, out));
  else if (node && typeof node === 'object')
    for (const [k, v] of Object.entries(node)) {
      if (k === 'sha256' && typeof v === 'string') out.add(v);
      else formHashes(v, out);
    }
  return out;
}

// Sends one request and checks it and its answer against the spec. `valid` says whether the
// request is meant to conform to the spec (true), or to break it (false), or is outside it
// (null: no request check). Throws on any contract violation; returns
// { status, headers, json, body }.
async function api(
  method,
  p,
  {
    token,
    json,
    raw,
    contentType,
    headers = {},
    valid = true,
    schemaHeader = method === 'GET',
  } = {},
) {
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  if (schemaHeader && !('tongban-schema-version' in h)) h['tongban-schema-version'] = '1';
  let body;
  if (json !== undefined) {
    body = typeof json === 'string' ? json : JSON.stringify(json);
    h['content-type'] = contentType ?? 'application/json';
  } else if (raw !== undefined) {
    body = raw;
    h['content-type'] = contentType ?? 'application/octet-stream';
  }

  if (valid !== null) {
    const problems = contract.checkRequest(
      method,
      p,
      h,
      json !== undefined && typeof json !== 'string' ? json : body,
    );
    if (valid && problems.length > 0)
      throw new Error(`the test sends a request the spec does not allow: ${problems.join(' | ')}`);
    if (!valid && problems.length === 0)
      throw new Error(`the spec allows ${method} ${p}, which the test means to be invalid`);
  }

  requestCount++;
  const res = await fetch(BASE + p, {
    method,
    headers: h,
    body,
    redirect: 'manual',
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  const { problems, json: parsed } = contract.checkResponse(
    method,
    p,
    res.status,
    res.headers,
    bytes,
  );
  if (problems.length > 0) {
    const shown = bytes.length > 600 ? bytes.subarray(0, 600).toString() + '…' : bytes.toString();
    throw new Error(
      `${method} ${p} → ${res.status} breaks the contract:\n  ` +
        problems.map((t) => (t.length > 1500 ? t.slice(0, 1500) + '…' : t)).join('\n  ') +
        `\n  body: ${shown}`,
    );
  }
  return { status: res.status, headers: res.headers, json: parsed, body: bytes };
}

function expectStatus(answer, status, problemName) {
  const detail = answer.json
    ? JSON.stringify(answer.json).slice(0, 400)
    : `${answer.body.length} bytes`;
  assert(answer.status === status, `expected ${status}, got ${answer.status}: ${detail}`);
  if (problemName) assertEqual(answer.json?.type, P + problemName, 'problem type');
}

/* ---- The scenario ---------------------------------------------------------------------------- */

const state = {
  tokens: {}, // role → { access, refresh, user }
  cases: new Map(), // the caseworker's cases from the pull, by id
  services: new Map(),
  workflows: new Map(),
  users: new Map(),
  cursor: null,
  clientId: randomUUID(),
  createdId: randomUUID(),
  supervisorClientId: randomUUID(),
  decided: null, // { id, version, to, action }
};

const accounts = {
  caseworker: 'wangfang',
  supervisor: 'chenjing',
  auditor: 'sunjianguo',
};
let password = DEMO_PASSWORD_DEFAULT;

async function signIn(login, pw = password, valid = true) {
  return api('POST', '/api/v1/session', {
    json: { schema_version: 1, login, password: pw, client_id: state.clientId },
    valid,
  });
}

// Pushes `mutations` as the caseworker's client, or `clientId`.
async function push(token, mutations, { clientId = state.clientId, valid = true } = {}) {
  return api('POST', '/api/v1/sync/push', {
    token,
    valid,
    json: { schema_version: 1, client_id: clientId, mutations },
  });
}

// Pulls from `cursor` to the end; returns every change in order and the last cursor.
async function pullAll(token, cursor, limit, clientId = state.clientId) {
  const changes = [];
  for (let page = 0; page < 500; page++) {
    const a = await api('POST', '/api/v1/sync/pull', {
      token,
      json: { schema_version: 1, client_id: clientId, cursor, limit },
    });
    expectStatus(a, 200);
    assert(
      a.json.changes.length <= limit,
      `a page of ${a.json.changes.length} changes over the limit ${limit}`,
    );
    changes.push(...a.json.changes);
    cursor = a.json.cursor;
    if (!a.json.has_more) return { changes, cursor, last: a.json };
  }
  throw new Error('the pull did not end after 500 pages');
}

function transitionsFrom(workflow, stateId, role) {
  return (workflow.transitions ?? []).filter((t) => {
    const from = Array.isArray(t.from) ? t.from : [t.from];
    return (
      from.includes(stateId) && (t.roles ?? []).includes(role) && !t.countersign && !t.by_party
    );
  });
}

// Whether a user acting in `role` may change form field `fieldId` while a case of `workflow` is
// in state `stateId` (the state's `editable` rules; "*" stands for every field).
function mayEdit(workflow, stateId, role, fieldId) {
  const st = (workflow.states ?? []).find((s) => s.id === stateId);
  return (st?.editable ?? []).some(
    (rule) =>
      (rule.roles ?? []).includes(role) &&
      ((rule.fields ?? []).includes('*') || (rule.fields ?? []).includes(fieldId)),
  );
}

// A top-level field of `service` that takes a short free text.
function isFreeText(f) {
  return (
    ['text', 'multiline'].includes(f.type) && !f.pattern && (f.min ?? 0) <= 8 && (f.max ?? 100) >= 8
  );
}

function formFields(service) {
  return service.form.sections.flatMap((section) => section.fields);
}

async function main() {
  const started = await tap.test('the server starts on 127.0.0.1:0 with a demo', async () => {
    assert(SERVER, 'usage: contract.mjs path/to/tongban-server [SOURCE_ROOT]');
    const { base, password: pw } = await startServer();
    BASE = base;
    password = pw;
  });
  if (!started) {
    tap.bailOut('no server to test');
    return;
  }

  const signedIn = await tap.test(
    'sign in as a caseworker, a supervisor and an auditor',
    async () => {
      for (const [role, login] of Object.entries(accounts)) {
        const a = await signIn(login);
        expectStatus(a, 200);
        assertEqual(a.json.user.login, login, 'user.login');
        assert(a.json.user.roles.includes(role), `${login} is not a ${role}: ${a.json.user.roles}`);
        assert(
          a.json.access_token !== a.json.refresh_token,
          'the access and refresh tokens are the same',
        );
        assert(
          Date.parse(a.json.access_expires_at) > Date.now(),
          'the access token expires in the past',
        );
        assert(
          Date.parse(a.json.refresh_expires_at) > Date.parse(a.json.access_expires_at),
          'the refresh token expires before the access token',
        );
        state.tokens[role] = {
          access: a.json.access_token,
          refresh: a.json.refresh_token,
          user: a.json.user,
        };
      }
    },
  );
  const need = signedIn ? null : 'no session';
  const cw = () => state.tokens.caseworker.access;
  const sv = () => state.tokens.supervisor.access;
  const au = () => state.tokens.auditor.access;

  await tap.test(
    'a wrong password and an unknown login get the same 401 invalid-credentials',
    async () => {
      const wrong = await signIn(accounts.caseworker, 'not-the-password');
      expectStatus(wrong, 401, 'invalid-credentials');
      const unknown = await signIn('nobody-at-all', 'not-the-password');
      expectStatus(unknown, 401, 'invalid-credentials');
      assertEqual(
        [unknown.json.title, unknown.json.detail],
        [wrong.json.title, wrong.json.detail],
        'the answers differ',
      );
    },
  );

  await tap.test(
    'refresh rotates the tokens; the old refresh token is refused',
    async () => {
      const old = state.tokens.caseworker;
      const a = await api('POST', '/api/v1/session/refresh', {
        json: { schema_version: 1, refresh_token: old.refresh },
      });
      expectStatus(a, 200);
      assert(a.json.refresh_token !== old.refresh, 'the refresh token did not change');
      assert(a.json.access_token !== old.access, 'the access token did not change');
      assertEqual(a.json.user.id, old.user.id, 'user.id');
      const fresh = await api('POST', '/api/v1/sync/pull', {
        token: a.json.access_token,
        json: { schema_version: 1, client_id: randomUUID(), cursor: null, limit: 1 },
      });
      expectStatus(fresh, 200);
      const again = await api('POST', '/api/v1/session/refresh', {
        json: { schema_version: 1, refresh_token: old.refresh },
      });
      expectStatus(again, 401, 'unauthorized');
      // A replayed refresh token may revoke its whole session (reuse detection): sign in anew.
      const b = await signIn(accounts.caseworker);
      expectStatus(b, 200);
      state.tokens.caseworker = {
        access: b.json.access_token,
        refresh: b.json.refresh_token,
        user: b.json.user,
      };
    },
    { skip: need },
  );

  const pulled = await tap.test(
    'an initial pull pages through reference data, then the cases in scope',
    async () => {
      const { changes, cursor, last } = await pullAll(cw(), null, 25);
      state.cursor = cursor;
      const types = changes.map((c) => c.type);
      for (const t of ['service', 'workflow', 'calendar', 'team', 'user'])
        assert(types.includes(t), `no ${t} in the initial pull`);
      const firstCase = types.indexOf('case');
      assert(firstCase > 0, "no case in the caseworker's initial pull");
      assert(
        types.slice(firstCase).every((t) => t === 'case'),
        'reference data after the first case',
      );
      const me = state.tokens.caseworker.user.id;
      for (const c of changes) {
        if (c.op !== 'put') continue;
        if (c.type === 'case') {
          assertEqual(c.data.id, c.id, 'case change id');
          assertEqual(c.data.version, c.version, 'case change version');
          assert(
            c.data.assignee_id === me,
            `case ${c.id} assigned to ${c.data.assignee_id}, not to ${me}`,
          );
          assert(c.data.practice === false, `practice case ${c.id} sent to a caseworker`);
          state.cases.set(c.id, c.data);
        } else if (c.type === 'service') {
          state.services.set(c.id, c.data);
        } else if (c.type === 'workflow') {
          state.workflows.set(c.id, c.data);
        } else if (c.type === 'user') {
          state.users.set(c.id, c.data);
        }
      }
      assertEqual(last.last_mutation_id, 0, 'last_mutation_id of a new client');
      assert(
        Math.abs(Date.parse(last.server_time) - Date.now()) < 60_000,
        'server_time is off by over a minute',
      );
    },
    { skip: need },
  );

  await tap.test(
    'pulling again from the last cursor brings nothing new',
    async () => {
      const a = await api('POST', '/api/v1/sync/pull', {
        token: cw(),
        json: { schema_version: 1, client_id: state.clientId, cursor: state.cursor },
      });
      expectStatus(a, 200);
      assertEqual(a.json.changes, [], 'changes');
      assertEqual(a.json.has_more, false, 'has_more');
    },
    { skip: pulled ? null : 'no pull' },
  );

  await tap.test(
    "an auditor's pull holds reference data only",
    async () => {
      const { changes } = await pullAll(au(), null, 500, randomUUID());
      assert(changes.length > 0, 'no reference data');
      assert(!changes.some((c) => c.type === 'case'), 'the auditor was sent cases');
    },
    { skip: need },
  );

  // A case of the caseworker's on which the caseworker can take an action, preferably one
  // that leaves the case open (its fields are changed next) and needs no reason.
  let target = null;
  let transition = null;
  let best = -1;
  if (pulled) {
    for (const c of state.cases.values()) {
      const service = state.services.get(c.service_id);
      const workflow = service && state.workflows.get(service.workflow);
      const choices = !c.closed && workflow ? transitionsFrom(workflow, c.state, 'caseworker') : [];
      for (const t of choices) {
        const terminal = workflow.states.find((st) => st.id === t.to)?.terminal ?? false;
        const score = (terminal ? 0 : 2) + (t.needs_reason ? 0 : 1);
        if (score > best) {
          [target, transition, best] = [c, t, score];
        }
      }
    }
  }

  await tap.test(
    'GET a case: the case with its ETag; If-None-Match gives 304',
    async () => {
      const c = target ?? state.cases.values().next().value;
      const a = await api('GET', `/api/v1/cases/${c.id}`, { token: cw() });
      expectStatus(a, 200);
      assertEqual(a.json.id, c.id, 'id');
      assertEqual(a.json.version, c.version, 'version');
      assertEqual(a.headers.get('etag'), `"v${c.version}"`, 'ETag');
      const same = await api('GET', `/api/v1/cases/${c.id}`, {
        token: cw(),
        headers: { 'if-none-match': a.headers.get('etag') },
      });
      expectStatus(same, 304);
      const stale = await api('GET', `/api/v1/cases/${c.id}`, {
        token: cw(),
        headers: { 'if-none-match': '"v0"' },
      });
      expectStatus(stale, 200);
    },
    { skip: pulled && state.cases.size > 0 ? null : 'no case' },
  );

  await tap.test(
    'a case that does not exist and one out of scope are the same 404',
    async () => {
      const missing = await api('GET', `/api/v1/cases/${randomUUID()}`, { token: cw() });
      expectStatus(missing, 404, 'not-found');
      for (const bad of ['x'.repeat(65), '..', 'a%20b']) {
        const a = await api('GET', `/api/v1/cases/${bad}`, { token: cw(), valid: false });
        expectStatus(a, 404, 'not-found');
      }
      const { changes } = await pullAll(sv(), null, 500, state.supervisorClientId);
      const other = changes.find(
        (c) =>
          c.type === 'case' &&
          c.op === 'put' &&
          c.data.assignee_id !== state.tokens.caseworker.user.id,
      );
      assert(other, 'the supervisor sees no case of anyone else');
      const hidden = await api('GET', `/api/v1/cases/${other.id}`, { token: cw() });
      expectStatus(hidden, 404, 'not-found');
      const missingId = missing.json.instance?.split('/').at(-1);
      assertEqual(
        [hidden.json.title, hidden.json.detail.replaceAll(other.id, '…')],
        [missing.json.title, missing.json.detail.replaceAll(missingId, '…')],
        'the 404 reveals that the case exists',
      );
      const seen = await api('GET', `/api/v1/cases/${other.id}`, { token: sv() });
      expectStatus(seen, 200);
    },
    { skip: pulled ? null : 'no pull' },
  );

  const decided = await tap.test(
    'push a decision: applied, the case moves on',
    async () => {
      assert(target, 'no case of the caseworker allows a caseworker action');
      const args = { case_id: target.id, action: transition.action, comment: 'Contract test' };
      if (transition.needs_reason) args.reason = 'Contract test reason';
      const mutation = {
        id: 1,
        name: 'case.decide',
        args,
        base_versions: { [`case:${target.id}`]: target.version },
        device_time: new Date().toISOString(),
      };
      state.mutation = mutation;
      const a = await push(cw(), [mutation]);
      expectStatus(a, 200);
      assertEqual(a.json.last_mutation_id, 1, 'last_mutation_id');
      assertEqual(
        a.json.results.map((r) => [r.id, r.status]),
        [[1, 'applied']],
        'results',
      );
      const after = await api('GET', `/api/v1/cases/${target.id}`, { token: cw() });
      expectStatus(after, 200);
      assert(after.json.version > target.version, 'the version did not grow');
      if (a.json.results[0].version !== undefined)
        assertEqual(a.json.results[0].version, after.json.version, 'the applied version');
      assertEqual(after.json.state, transition.to, 'state');
      const last = after.json.events.at(-1);
      assert(
        last && last.kind === 'decision' && last.data.action === transition.action,
        `the last event is not the decision: ${JSON.stringify(last)}`,
      );
      state.decided = { id: target.id, version: after.json.version };
    },
    { skip: pulled ? null : 'no pull' },
  );

  await tap.test(
    'the same mutation again is a duplicate and is not applied again',
    async () => {
      const a = await push(cw(), [state.mutation]);
      expectStatus(a, 200);
      assertEqual(a.json.last_mutation_id, 1, 'last_mutation_id');
      assertEqual(
        a.json.results.map((r) => [r.id, r.status]),
        [[1, 'duplicate']],
        'results',
      );
      const after = await api('GET', `/api/v1/cases/${state.decided.id}`, { token: cw() });
      assertEqual(after.json.version, state.decided.version, 'version after the duplicate');
    },
    { skip: decided ? null : 'no decision' },
  );

  await tap.test(
    'a comment is applied; an action the workflow lacks is rejected and consumes its id',
    async () => {
      const a = await push(cw(), [
        {
          id: 2,
          name: 'case.comment',
          args: { case_id: state.decided.id, text: '合同测试：已电话联系申请人。' },
          device_time: new Date().toISOString(),
        },
        {
          id: 3,
          name: 'case.decide',
          args: { case_id: state.decided.id, action: 'no-such-action' },
          device_time: new Date().toISOString(),
        },
      ]);
      expectStatus(a, 200);
      assertEqual(
        a.json.results.map((r) => [r.id, r.status]),
        [
          [2, 'applied'],
          [3, 'rejected'],
        ],
        'results',
      );
      assertEqual(a.json.last_mutation_id, 3, 'last_mutation_id');
      assert(
        [P + 'workflow', P + 'validation'].includes(a.json.results[1].problem.type),
        `rejected with ${a.json.results[1].problem.type}`,
      );
      const after = await api('GET', `/api/v1/cases/${state.decided.id}`, { token: cw() });
      const last = after.json.events.at(-1);
      assert(
        last.kind === 'comment' && last.data.text === '合同测试：已电话联系申请人。',
        `the last event is not the comment: ${JSON.stringify(last)}`,
      );
    },
    { skip: decided ? null : 'no decision' },
  );

  // The caseworker's cases as they are now: the pulled ones, the decided one moved on.
  const casesNow = () =>
    [...state.cases.values()].map((c) =>
      state.decided && c.id === state.decided.id
        ? { ...c, state: transition.to, version: state.decided.version }
        : c,
    );

  await tap.test(
    'field changes and a new case are applied',
    async () => {
      // A free text field the caseworker may change in the case's state (the workflow's
      // `editable`), on an open case of theirs.
      let edited = null;
      for (const c of casesNow()) {
        const service = state.services.get(c.service_id);
        const workflow = service && state.workflows.get(service.workflow);
        if (c.closed || !workflow) continue;
        const field = formFields(service).find(
          (f) => isFreeText(f) && mayEdit(workflow, c.state, 'caseworker', f.id),
        );
        if (field) {
          edited = { id: c.id, field: field.id, base: c.version };
          break;
        }
      }
      assert(edited, 'no case of the caseworker has a free text field the caseworker may edit');
      const service = state.services.get(target.service_id);
      // The copy's files are the caller's to attach only once they uploaded them: knowing a
      // checksum is no right to a file. A desk copying a file does the same.
      for (const hash of formHashes(target.form)) {
        const file = await api('GET', `/api/v1/attachments/${hash}`, { token: cw() });
        expectStatus(file, 200);
        const up = await api('POST', '/api/v1/attachments', {
          token: cw(),
          raw: file.body,
          contentType: file.headers.get('content-type'),
          headers: { 'idempotency-key': hash },
        });
        expectStatus(up, 201);
      }
      const a = await push(cw(), [
        {
          id: 4,
          name: 'case.update_fields',
          args: { case_id: edited.id, fields: { [edited.field]: '合同测试字段内容' } },
          base_versions: { [`case:${edited.id}`]: edited.base },
          device_time: new Date().toISOString(),
        },
        {
          id: 5,
          name: 'case.create',
          args: {
            case_id: state.createdId,
            service_id: target.service_id,
            applicant_name: target.applicant_name,
            applicant_kind: target.applicant_kind,
            company_name: target.company_name,
            form: target.form,
          },
          device_time: new Date().toISOString(),
        },
      ]);
      expectStatus(a, 200);
      assertEqual(
        a.json.results.map((r) => [r.id, r.status]),
        [
          [4, 'applied'],
          [5, 'applied'],
        ],
        `results ${JSON.stringify(a.json.results).slice(0, 600)}`,
      );
      const changed = await api('GET', `/api/v1/cases/${edited.id}`, { token: cw() });
      assertEqual(changed.json.form[edited.field], '合同测试字段内容', `form.${edited.field}`);
      assertEqual(changed.json.events.at(-1).kind, 'fields', 'the last event');
      state.fieldChange = { ...edited, version: changed.json.version };
      if (edited.id === state.decided.id) state.decided.version = changed.json.version;
      const created = await api('GET', `/api/v1/cases/${state.createdId}`, { token: cw() });
      expectStatus(created, 200);
      const workflow = state.workflows.get(service.workflow);
      assertEqual(
        [created.json.service_id, created.json.state, created.json.closed],
        [target.service_id, workflow.initial, false],
        'the new case',
      );
      state.created = true;
      state.createdFrom = {
        service_id: target.service_id,
        applicant_name: target.applicant_name,
        applicant_kind: target.applicant_kind,
        company_name: target.company_name,
        form: target.form,
      };
    },
    { skip: decided ? null : 'no decision' },
  );

  // Where the server is now in this client's mutations.
  const lastMutationId = async () => {
    const a = await push(cw(), []);
    expectStatus(a, 200);
    assertEqual(a.json.results, [], 'results of an empty push');
    return a.json.last_mutation_id;
  };

  // Pushes `mutation` as the caseworker's next one and checks that its one result has
  // `status` and, whatever that is, consumes the id; returns the result.
  const pushNext = async (mutation, status) => {
    const id = (await lastMutationId()) + 1;
    const a = await push(cw(), [{ id, ...mutation, device_time: new Date().toISOString() }]);
    expectStatus(a, 200);
    const [result] = a.json.results;
    assertEqual([result?.id, result?.status], [id, status], 'result');
    assertEqual(a.json.last_mutation_id, id, `last_mutation_id (a ${status} result consumes it)`);
    return result;
  };

  const expectForbidden = (result, code) =>
    assertEqual(
      [result.problem.type, result.problem.status, result.problem.code],
      [P + 'forbidden', 403, code],
      'the problem',
    );

  await tap.test(
    "a field change made on an older version is a conflict carrying the server's case",
    async () => {
      const { id, field, base, version } = state.fieldChange;
      const result = await pushNext(
        {
          name: 'case.update_fields',
          args: { case_id: id, fields: { [field]: '另一个值' } },
          base_versions: { [`case:${id}`]: base },
        },
        'conflict',
      );
      assertEqual(
        [result.record.id, result.record.version, result.record.form[field]],
        [id, version, '合同测试字段内容'],
        'the record',
      );
    },
    { skip: state.fieldChange ? null : 'no field change' },
  );

  await tap.test(
    "a field the caseworker's role may not change in the case's state is rejected " +
      'forbidden (field-not-editable), changes nothing and consumes its id',
    async () => {
      let refused = null;
      for (const c of casesNow()) {
        const service = state.services.get(c.service_id);
        const workflow = service && state.workflows.get(service.workflow);
        if (c.closed || !workflow || c.id === state.fieldChange?.id) continue;
        const field = formFields(service).find(
          (f) => isFreeText(f) && !mayEdit(workflow, c.state, 'caseworker', f.id),
        );
        if (field) {
          refused = { id: c.id, field: field.id, state: c.state };
          break;
        }
      }
      assert(refused, "no open case of the caseworker's has a field the caseworker may not edit");
      const was = await api('GET', `/api/v1/cases/${refused.id}`, { token: cw() });
      expectStatus(was, 200);
      const result = await pushNext(
        {
          name: 'case.update_fields',
          args: { case_id: refused.id, fields: { [refused.field]: '合同测试越权修改' } },
        },
        'rejected',
      );
      expectForbidden(result, 'field-not-editable');
      assertEqual(
        [result.problem.fields, result.problem.state],
        [[refused.field], refused.state],
        'the fields and state refused',
      );
      const after = await api('GET', `/api/v1/cases/${refused.id}`, { token: cw() });
      assertEqual(
        [after.json.version, after.json.form[refused.field]],
        [was.json.version, was.json.form[refused.field]],
        'the case after the refusal',
      );
    },
    { skip: decided ? null : 'no decision' },
  );

  await tap.test(
    'a push body with an unknown member is 400 malformed-request; nothing is consumed',
    async () => {
      const before = await lastMutationId();
      const a = await api('POST', '/api/v1/sync/push', {
        token: cw(),
        valid: false,
        json: {
          schema_version: 1,
          client_id: state.clientId,
          colour: 'red',
          mutations: [
            {
              id: before + 1,
              name: 'case.comment',
              args: { case_id: state.decided.id, text: 'x' },
            },
          ],
        },
      });
      expectStatus(a, 400, 'malformed-request');
      assertEqual(await lastMutationId(), before, 'last_mutation_id');
    },
    { skip: decided ? null : 'no decision' },
  );

  await tap.test(
    'a mutation with an unknown member in its args is rejected on its own and consumes its id ' +
      '(docs/protocol.md: one bad mutation never blocks the queue)',
    async () => {
      const before = await lastMutationId();
      const a = await push(
        cw(),
        [
          {
            id: before + 1,
            name: 'case.comment',
            args: { case_id: state.decided.id, text: 'x', colour: 'red' },
          },
        ],
        { valid: false },
      );
      expectStatus(a, 200);
      assertEqual(a.json.results.length, 1, 'results');
      assertEqual(a.json.results[0].status, 'rejected', 'status');
      assertEqual(
        a.json.results[0].problem.type,
        'https://tongban.github.io/problems/malformed-request',
        'problem type',
      );
      assertEqual(a.json.last_mutation_id, before + 1, 'last_mutation_id in the answer');
      assertEqual(await lastMutationId(), before + 1, 'last_mutation_id');
    },
    { skip: decided ? null : 'no decision' },
  );

  await tap.test(
    'a gap in the mutation ids stops the batch before it',
    async () => {
      const before = await lastMutationId();
      const a = await push(cw(), [
        {
          id: before + 1,
          name: 'case.comment',
          args: { case_id: state.decided.id, text: 'before a gap' },
        },
        {
          id: before + 3,
          name: 'case.comment',
          args: { case_id: state.decided.id, text: 'after a gap' },
        },
      ]);
      expectStatus(a, 200);
      assertEqual(
        a.json.results.map((r) => [r.id, r.status]),
        [[before + 1, 'applied']],
        'results',
      );
      assertEqual(a.json.last_mutation_id, before + 1, 'last_mutation_id');
      state.lastMutationId = before + 1;
    },
    { skip: decided ? null : 'no decision' },
  );

  await tap.test(
    'a pull after the push brings the changed case and the new last_mutation_id',
    async () => {
      const { changes, cursor, last } = await pullAll(cw(), state.cursor, 100);
      const put = changes.filter((c) => c.type === 'case' && c.id === state.decided.id);
      assert(put.length > 0, 'the decided case is not in the pull');
      assert(
        put.at(-1).version > state.decided.version,
        'the pull does not bring the latest version',
      );
      assertEqual(
        last.last_mutation_id,
        state.lastMutationId ?? (await lastMutationId()),
        'last_mutation_id',
      );
      state.cursor = cursor;
    },
    { skip: decided ? null : 'no decision' },
  );

  await tap.test(
    'a supervisor reassigns a case within the team',
    async () => {
      const { changes } = await pullAll(sv(), null, 500, state.supervisorClientId);
      const users = changes.filter((c) => c.type === 'user' && c.op === 'put').map((c) => c.data);
      const c = changes.find(
        (x) =>
          x.type === 'case' &&
          x.op === 'put' &&
          !x.data.closed &&
          x.data.team_id &&
          x.data.practice === false,
      );
      assert(c, 'the supervisor sees no open case');
      const to = users.find(
        (u) =>
          u.roles.includes('caseworker') &&
          u.teams.includes(c.data.team_id) &&
          u.id !== c.data.assignee_id,
      );
      assert(to, `no other caseworker in ${c.data.team_id}`);
      const a = await push(
        sv(),
        [
          {
            id: 1,
            name: 'case.reassign',
            args: { case_id: c.id, assignee_id: to.id },
            base_versions: { [`case:${c.id}`]: c.version },
            device_time: new Date().toISOString(),
          },
        ],
        { clientId: state.supervisorClientId },
      );
      expectStatus(a, 200);
      assertEqual(
        a.json.results.map((r) => [r.id, r.status]),
        [[1, 'applied']],
        'results',
      );
      const after = await api('GET', `/api/v1/cases/${c.id}`, { token: sv() });
      assertEqual(after.json.assignee_id, to.id, 'assignee_id');
    },
    { skip: need },
  );

  await tap.test(
    'an auditor may not push: 403 forbidden',
    async () => {
      const a = await push(au(), [], { clientId: randomUUID() });
      expectStatus(a, 403, 'forbidden');
    },
    { skip: need },
  );

  await tap.test(
    'the audit: 403 for a caseworker; the auditor pages through it',
    async () => {
      const denied = await api('GET', '/api/v1/audit', { token: cw() });
      expectStatus(denied, 403, 'forbidden');
      let after = 0;
      const seen = [];
      for (let page = 0; page < 50; page++) {
        const a = await api('GET', `/api/v1/audit?after=${after}&limit=5`, { token: au() });
        expectStatus(a, 200);
        assert(a.json.entries.length <= 5, 'more entries than the limit');
        for (const e of a.json.entries) {
          assert(e.id > after, `entry ${e.id} not after ${after}`);
          after = e.id;
        }
        seen.push(...a.json.entries);
        if (a.json.next === null) break;
        assertEqual(a.json.next, after, 'next');
      }
      if (state.decided)
        assert(
          seen.some((e) => e.case_id === state.decided.id),
          'the decision is not in the audit',
        );
      const supervisor = await api('GET', '/api/v1/audit?limit=1', { token: sv() });
      expectStatus(supervisor, 200);
    },
    { skip: need },
  );

  const bytes = Buffer.from('通办 contract test attachment\n', 'utf8');
  const sha = createHash('sha256').update(bytes).digest('hex');
  const key = randomUUID();
  const uploaded = await tap.test(
    'upload an attachment; the same key and bytes get the same answer',
    async () => {
      const upload = () =>
        api('POST', '/api/v1/attachments', {
          token: cw(),
          raw: bytes,
          contentType: 'text/plain; charset=utf-8',
          headers: { 'idempotency-key': key },
        });
      const a = await upload();
      expectStatus(a, 201);
      assertEqual([a.json.sha256, a.json.size], [sha, bytes.length], 'sha256 and size');
      const again = await upload();
      expectStatus(again, 201);
      assertEqual(again.json, a.json, 'the second answer');
    },
    { skip: need },
  );

  await tap.test(
    'download the attachment by its SHA-256, with its content type',
    async () => {
      const a = await api('GET', `/api/v1/attachments/${sha}`, { token: cw() });
      expectStatus(a, 200);
      assert(a.body.equals(bytes), 'the bytes differ');
      assert(
        a.headers.get('content-type').startsWith('text/plain'),
        `Content-Type ${a.headers.get('content-type')}`,
      );
    },
    { skip: uploaded ? null : 'no upload' },
  );

  await tap.test(
    'attachments: the same key with other bytes is 409, no key is 400, unknown is 404',
    async () => {
      const other = await api('POST', '/api/v1/attachments', {
        token: cw(),
        raw: Buffer.from('other bytes'),
        contentType: 'text/plain',
        headers: { 'idempotency-key': key },
      });
      expectStatus(other, 409, 'conflict');
      const noKey = await api('POST', '/api/v1/attachments', {
        token: cw(),
        raw: Buffer.from('bytes'),
        contentType: 'text/plain',
        valid: false,
      });
      expectStatus(noKey, 400, 'malformed-request');
      const unknown = await api('GET', `/api/v1/attachments/${'0'.repeat(64)}`, { token: cw() });
      expectStatus(unknown, 404, 'not-found');
    },
    { skip: uploaded ? null : 'no upload' },
  );

  await tap.test(
    "a form naming a file the caller did not upload (another user's) is rejected forbidden " +
      '(attachment-not-uploaded), creates nothing and consumes its id',
    async () => {
      const theirs = Buffer.from('通办 contract test: the supervisor’s own file\n', 'utf8');
      const theirSha = createHash('sha256').update(theirs).digest('hex');
      const up = await api('POST', '/api/v1/attachments', {
        token: sv(),
        raw: theirs,
        contentType: 'text/plain',
        headers: { 'idempotency-key': theirSha },
      });
      expectStatus(up, 201);
      // The copy of the case created before, its first file swapped for the supervisor's.
      const form = structuredClone(state.createdFrom.form);
      const swap = (node) => {
        if (Array.isArray(node)) return node.some(swap);
        if (!node || typeof node !== 'object') return false;
        if (typeof node.sha256 === 'string') {
          Object.assign(node, { sha256: theirSha, size: theirs.length });
          return true;
        }
        return Object.values(node).some(swap);
      };
      assert(swap(form), 'the copied form attaches no file');
      const id = randomUUID();
      const result = await pushNext(
        { name: 'case.create', args: { ...state.createdFrom, case_id: id, form } },
        'rejected',
      );
      expectForbidden(result, 'attachment-not-uploaded');
      assertEqual(result.problem.attachments, [theirSha], 'the files refused');
      const none = await api('GET', `/api/v1/cases/${id}`, { token: cw() });
      expectStatus(none, 404, 'not-found');
    },
    { skip: state.createdFrom ? null : 'no new case' },
  );

  await tap.test(
    'no token or a bad token: 401 unauthorized with WWW-Authenticate',
    async () => {
      const none = await api('GET', `/api/v1/cases/${randomUUID()}`, { valid: false });
      expectStatus(none, 401, 'unauthorized');
      const bad = await api('POST', '/api/v1/sync/pull', {
        token: 'A'.repeat(43),
        json: { schema_version: 1, client_id: state.clientId, cursor: null },
      });
      expectStatus(bad, 401, 'unauthorized');
      const out = await api('DELETE', '/api/v1/session', { valid: false });
      expectStatus(out, 401, 'unauthorized');
    },
    { skip: started ? null : 'no server' },
  );

  await tap.test(
    'a JSON body over 1 MiB, an upload over 25 MiB: 413 payload-too-large, saying the limit',
    async () => {
      const big = JSON.stringify({
        schema_version: 1,
        client_id: state.clientId,
        cursor: 'x'.repeat(1024 * 1024 + 16),
      });
      const a = await api('POST', '/api/v1/sync/pull', { token: cw(), json: big, valid: false });
      expectStatus(a, 413, 'payload-too-large');
      assertEqual(a.json.max_size, 1024 * 1024, 'the JSON limit');
      // A scanned file is larger than any JSON body: taken up to the attachment limit.
      const scan = Buffer.alloc(1024 * 1024 + 1, 0x41);
      const taken = await api('POST', '/api/v1/attachments', {
        token: cw(),
        raw: scan,
        contentType: 'application/pdf',
        headers: { 'idempotency-key': randomUUID() },
      });
      expectStatus(taken, 201);
      assertEqual(taken.json.size, scan.length, 'the size stored');
      const raw = await api('POST', '/api/v1/attachments', {
        token: cw(),
        raw: Buffer.alloc(25 * 1024 * 1024 + 1, 0x41),
        contentType: 'application/octet-stream',
        headers: { 'idempotency-key': randomUUID() },
        valid: null,
      });
      expectStatus(raw, 413, 'payload-too-large');
      assertEqual(raw.json.max_size, 25 * 1024 * 1024, 'the attachment limit');
    },
    { skip: need },
  );

  await tap.test(
    'sign-in bodies are read strictly: 400 malformed-request, version-not-supported',
    async () => {
      const session = (json) => api('POST', '/api/v1/session', { json, valid: false });
      const cases = {
        'invalid JSON': '{"schema_version": 1, "login": ',
        'an unknown member': { schema_version: 1, login: 'wangfang', password, colour: 'red' },
        'a missing password': { schema_version: 1, login: 'wangfang' },
        'a number for a string': { schema_version: 1, login: 7, password },
      };
      for (const [what, body] of Object.entries(cases)) {
        const a = await session(body);
        assert(
          a.status === 400 && a.json.type === P + 'malformed-request',
          `${what}: ${a.status} ${a.json?.type}`,
        );
      }
      // Without schema_version, either 400 problem says what is wrong.
      const none = await session({ login: 'wangfang', password });
      expectStatus(none, 400);
      const v2 = await session({ schema_version: 2, login: 'wangfang', password });
      expectStatus(v2, 400, 'version-not-supported');
      assertEqual(v2.json.supported, [1], 'supported');
    },
    { skip: started ? null : 'no server' },
  );

  await tap.test(
    'malformed bodies are 400 malformed-request',
    async () => {
      const pull = (json, contentType) =>
        api('POST', '/api/v1/sync/pull', { token: cw(), json, contentType, valid: false });
      const cases = {
        'invalid JSON': '{"schema_version": 1, "client_id": ',
        'not an object': '[1, 2, 3]',
        'an unknown member': {
          schema_version: 1,
          client_id: state.clientId,
          cursor: null,
          colour: 'red',
        },
        'a wrong type': { schema_version: 1, client_id: state.clientId, cursor: 7 },
        'an integer beyond 2^53': `{"schema_version": 1, "client_id": "${state.clientId}", "cursor": null, "limit": 9007199254740993}`,
        'a missing member': { schema_version: 1, client_id: state.clientId },
        'an id over 64 bytes': { schema_version: 1, client_id: 'x'.repeat(65), cursor: null },
      };
      for (const [what, body] of Object.entries(cases)) {
        const a = await pull(body);
        assert(
          a.status === 400 && a.json.type === P + 'malformed-request',
          `${what}: ${a.status} ${a.json?.type}`,
        );
      }
      const utf8 = await api('POST', '/api/v1/session', {
        raw: Buffer.concat([
          Buffer.from('{"schema_version": 1, "login": "'),
          Buffer.from([0xff, 0xfe]),
          Buffer.from('", "password": "x"}'),
        ]),
        contentType: 'application/json',
        valid: null,
      });
      assert(
        utf8.status === 400 && utf8.json.type === P + 'malformed-request',
        `invalid UTF-8: ${utf8.status} ${utf8.json?.type}`,
      );
    },
    { skip: need },
  );

  await tap.test(
    'a forged cursor is 410 cursor-expired with reset',
    async () => {
      const a = await api('POST', '/api/v1/sync/pull', {
        token: cw(),
        json: { schema_version: 1, client_id: state.clientId, cursor: 'Zm9yZ2VkLWN1cnNvcg' },
      });
      expectStatus(a, 410, 'cursor-expired');
      assertEqual(a.json.reset, true, 'reset');
    },
    { skip: need },
  );

  await tap.test(
    'another schema version is 400 version-not-supported, in a body or a header',
    async () => {
      const body = await api('POST', '/api/v1/sync/pull', {
        token: cw(),
        json: { schema_version: 2, client_id: state.clientId, cursor: null },
        valid: false,
      });
      expectStatus(body, 400, 'version-not-supported');
      assertEqual(body.json.supported, [1], 'supported');
      const header = await api('GET', `/api/v1/cases/${randomUUID()}`, {
        token: cw(),
        headers: { 'tongban-schema-version': '2' },
        valid: false,
      });
      expectStatus(header, 400, 'version-not-supported');
      assertEqual(header.json.supported, [1], 'supported');
    },
    { skip: need },
  );

  await tap.test(
    'a method a path does not take is 405 with Allow; an unknown path is 404',
    async () => {
      const a = await api('PUT', '/api/v1/session', { token: cw(), valid: null });
      expectStatus(a, 405);
      assertEqual(a.headers.get('allow').split(/,\s*/).sort(), ['DELETE', 'POST'], 'Allow');
      const b = await api('GET', '/api/v1/no-such-thing', { token: cw(), valid: null });
      expectStatus(b, 404, 'not-found');
      const c = await api('GET', '/api/v1/sync/push', { token: cw(), valid: null });
      expectStatus(c, 405);
      assert(c.headers.get('allow').includes('POST'), `Allow: ${c.headers.get('allow')}`);
    },
    { skip: need },
  );

  await tap.test(
    'repeated failed sign-ins of one login are 429 rate-limited with Retry-After',
    async () => {
      let last = null;
      for (let i = 0; i < 8 && (!last || last.status !== 429); i++)
        last = await signIn('throttle-probe', 'wrong');
      expectStatus(last, 429, 'rate-limited');
      assert(Number(last.headers.get('retry-after')) > 0, 'Retry-After is not positive');
    },
    { skip: started ? null : 'no server' },
  );

  await tap.test(
    'sign out: 204; the access and refresh tokens are revoked',
    async () => {
      const { access, refresh } = state.tokens.supervisor;
      const a = await api('DELETE', '/api/v1/session', { token: access });
      expectStatus(a, 204);
      const after = await api('DELETE', '/api/v1/session', { token: access });
      expectStatus(after, 401, 'unauthorized');
      const r = await api('POST', '/api/v1/session/refresh', {
        json: { schema_version: 1, refresh_token: refresh },
      });
      expectStatus(r, 401, 'unauthorized');
    },
    { skip: need },
  );
}

try {
  await main();
} catch (e) {
  tap.bailOut(e.message);
}
if (tap.failed > 0) dumpServerLog();
tap.comment(`${requestCount} requests checked against docs/openapi.yaml`);
stopServer();
process.exitCode = tap.end();
