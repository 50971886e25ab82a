// SPDX-License-Identifier: GPL-3.0-or-later
// checker.mjs: checks the contract checker (openapi.mjs) and docs/openapi.yaml without a
// server: every schema compiles, the examples are valid, the problem types and statuses are
// those of server/tb-problem.c, and hand-made responses and requests that break the contract
// are caught while conforming ones pass.
//
//   node tests/contract/checker.mjs [SOURCE_ROOT]

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { Tap, assert, assertEqual } from './tap.mjs';

const { Contract } = await import('./openapi.mjs').catch((e) => {
  console.log(
    `Bail out! cannot load the checker (run \`npm ci\` at the source root): ${e.message}`,
  );
  process.exit(1);
});

const root = process.argv[2] ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tap = new Tap();
const contract = new Contract(path.join(root, 'docs/openapi.yaml'));

const P = 'https://tongban.github.io/problems/';
const json = (value) => Buffer.from(JSON.stringify(value));
const headers = (h) => new Headers(h);
const NO_STORE = { 'cache-control': 'no-store' };
const JSON_CT = { ...NO_STORE, 'content-type': 'application/json' };
const PROBLEM_CT = { ...NO_STORE, 'content-type': 'application/problem+json' };

const token = 'oFYf1knNtrqnhAVfBRuteW6gr-8X_KOCGVSd7rpOjBo';
const session = {
  schema_version: 1,
  access_token: token,
  access_expires_at: '2026-11-27T01:45:00Z',
  refresh_token: token,
  refresh_expires_at: '2026-12-27T01:30:00+08:00',
  user: {
    id: 'u-wangfang',
    login: 'wangfang',
    display_name: '王芳',
    roles: ['caseworker'],
    teams: ['team-market'],
  },
};
const problem = (name, status, extra = {}) => ({
  type: P + name,
  title: 'T',
  status,
  detail: 'D',
  instance: '/api/v1/x',
  schema_version: 1,
  ...extra,
});
const aCase = {
  id: '5d0c9c1e-2b1f-4f3a-9a53-1c1f4e0a7b21',
  ref: 'TB-2026-000123',
  service_id: 'business-licence',
  state: 'in_review',
  assignee_id: 'u-wangfang',
  team_id: 'team-market',
  applicant_name: '王芳',
  applicant_kind: 'company',
  company_name: '杭州通办科技有限公司',
  received_on: '2026-11-02',
  deadline: '2026-11-20',
  paused_since: null,
  closed: false,
  version: 3,
  practice: false,
  signed_parties: [],
  form: { company_name: '杭州通办科技有限公司' },
  events: [
    {
      id: 'e1',
      kind: 'created',
      actor_id: null,
      at: '2026-11-02T01:00:00Z',
      device_time: null,
      data: {},
    },
    {
      id: 'e2',
      kind: 'decision',
      actor_id: 'u-wangfang',
      at: '2026-11-03T01:00:00Z',
      device_time: '2026-11-03T09:00:00+08:00',
      data: {
        action: 'accept',
        from: 'received',
        to: 'in_review',
        reason: null,
        comment: null,
        party: null,
      },
    },
    {
      id: 'e3',
      kind: 'comment',
      actor_id: 'u-wangfang',
      at: '2026-11-03T02:00:00Z',
      device_time: null,
      data: { text: '已电话联系' },
    },
  ],
};

function responseOk(method, p, status, h, body) {
  const { problems } = contract.checkResponse(method, p, status, headers(h), body);
  assert(problems.length === 0, `expected no problem, got: ${problems.join(' | ')}`);
}

function responseBad(method, p, status, h, body, pattern) {
  const { problems } = contract.checkResponse(method, p, status, headers(h), body);
  assert(problems.length > 0, 'expected the checker to object');
  assert(
    !pattern || problems.some((t) => pattern.test(t)),
    `expected a problem matching ${pattern}, got: ${problems.join(' | ')}`,
  );
}

await tap.test('every schema of the spec compiles', () => {
  let n = 0;
  const walk = (node, ptr) => {
    if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        const p = ptr + '/' + k.replaceAll('~', '~0').replaceAll('/', '~1');
        if (k === 'schema') {
          contract.validator(p);
          n++;
        } else {
          walk(v, p);
        }
      }
    }
  };
  walk(contract.doc.paths, '/paths');
  walk(contract.doc.components, '/components');
  for (const name of Object.keys(contract.doc.components.schemas))
    contract.validator('/components/schemas/' + name);
  assert(n > 30, `only ${n} schemas found`);
});

await tap.test('every media type example is valid', () => {
  let n = 0;
  const walk = (node, ptr) => {
    if (node && typeof node === 'object') {
      if (node.schema && 'example' in node) {
        const error = contract.check(ptr + '/schema', node.example);
        assert(!error, `${ptr}: ${error}`);
        n++;
      }
      for (const [k, v] of Object.entries(node))
        walk(v, ptr + '/' + k.replaceAll('~', '~0').replaceAll('/', '~1'));
    }
  };
  walk(contract.doc.paths, '/paths');
  walk(contract.doc.components, '/components');
  assert(n >= 8, `only ${n} examples`);
});

await tap.test('every discriminator mapping agrees with its branches', () => {
  const problems = contract.checkMappings();
  assert(problems.length === 0, problems.join('; '));
});

await tap.test('the problem types and statuses are those of server/tb-problem.c', () => {
  const source = readFileSync(path.join(root, 'server/tb-problem.c'), 'utf8');
  const server = [...source.matchAll(/\[TB_PROBLEM_[A-Z_]+\]\s*=\s*\{\s*"([a-z-]+)",\s*(\d+)/g)]
    .map((m) => [m[1], Number(m[2])])
    .sort();
  assert(server.length >= 15, 'could not read the problems of tb-problem.c');
  const types = contract.doc.components.schemas.ProblemType.enum
    .map((t) => t.slice(P.length))
    .sort();
  assertEqual(
    types,
    server.map(([name]) => name),
    'ProblemType enum',
  );
  const spec = contract.doc.components.schemas.AnyProblem.oneOf
    .map(({ $ref }) => {
      const s = contract.at($ref.slice(1));
      return [s.properties.type.const.slice(P.length), s.properties.status.const];
    })
    .sort();
  assertEqual(spec, server, 'per-type problem schemas (type, status)');
});

await tap.test('a conforming session answer passes', () => {
  responseOk('POST', '/api/v1/session', 200, JSON_CT, json(session));
  responseOk(
    'POST',
    '/api/v1/session/refresh',
    200,
    { ...NO_STORE, 'content-type': 'application/json; charset=utf-8' },
    json(session),
  );
});

await tap.test('an unknown member, a bad token or a missing member in an answer is caught', () => {
  responseBad(
    'POST',
    '/api/v1/session',
    200,
    JSON_CT,
    json({ ...session, extra: 1 }),
    /additional/,
  );
  responseBad(
    'POST',
    '/api/v1/session',
    200,
    JSON_CT,
    json({ ...session, access_token: 'short' }),
    /pattern/,
  );
  const { user, ...noUser } = session;
  void user;
  responseBad('POST', '/api/v1/session', 200, JSON_CT, json(noUser), /user/);
  responseBad(
    'POST',
    '/api/v1/session',
    200,
    JSON_CT,
    json({ ...session, schema_version: 2 }),
    /schema_version/,
  );
});

await tap.test('an undocumented status is caught', () => {
  responseBad(
    'POST',
    '/api/v1/session',
    418,
    PROBLEM_CT,
    json(problem('internal', 418)),
    /not documented/,
  );
  responseBad(
    'DELETE',
    '/api/v1/session',
    200,
    JSON_CT,
    json({ schema_version: 1 }),
    /not documented/,
  );
  responseBad(
    'POST',
    '/api/v1/sync/push',
    410,
    PROBLEM_CT,
    json(problem('cursor-expired', 410, { reset: true })),
    /not documented/,
  );
});

await tap.test('a wrong media type, a missing body or an unexpected body is caught', () => {
  responseBad(
    'POST',
    '/api/v1/session',
    200,
    { ...NO_STORE, 'content-type': 'text/html' },
    json(session),
    /Content-Type/,
  );
  responseBad('POST', '/api/v1/session', 200, NO_STORE, json(session), /Content-Type/);
  responseBad(
    'POST',
    '/api/v1/session',
    401,
    JSON_CT,
    json(problem('invalid-credentials', 401)),
    /Content-Type/,
  );
  responseBad('DELETE', '/api/v1/session', 204, JSON_CT, json({}), /body/);
  responseOk('DELETE', '/api/v1/session', 204, NO_STORE, Buffer.alloc(0));
  responseBad('DELETE', '/api/v1/session', 204, {}, Buffer.alloc(0), /Cache-Control/);
  responseBad(
    'POST',
    '/api/v1/session',
    200,
    { ...JSON_CT, 'cache-control': 'max-age=60' },
    json(session),
    /Cache-Control/,
  );
  responseBad(
    'POST',
    '/api/v1/session',
    200,
    JSON_CT,
    Buffer.from('{"schema_version": 1,'),
    /not JSON/,
  );
});

await tap.test('problems: type, status and extension members are checked per answer', () => {
  responseOk('POST', '/api/v1/session', 401, PROBLEM_CT, json(problem('invalid-credentials', 401)));
  responseBad(
    'POST',
    '/api/v1/session',
    401,
    PROBLEM_CT,
    json(problem('invalid-credentials', 403)),
    /status/,
  );
  responseBad(
    'POST',
    '/api/v1/session',
    401,
    PROBLEM_CT,
    json(problem('unauthorized', 401)),
    /type/,
  );
  responseBad(
    'POST',
    '/api/v1/session',
    400,
    PROBLEM_CT,
    json(problem('version-not-supported', 400)),
    /supported/,
  );
  responseOk(
    'POST',
    '/api/v1/session',
    400,
    PROBLEM_CT,
    json(problem('version-not-supported', 400, { supported: [1] })),
  );
  responseBad(
    'POST',
    '/api/v1/sync/pull',
    410,
    PROBLEM_CT,
    json(problem('cursor-expired', 410)),
    /reset/,
  );
  responseOk(
    'POST',
    '/api/v1/sync/pull',
    410,
    PROBLEM_CT,
    json(problem('cursor-expired', 410, { reset: true })),
  );
  responseBad(
    'POST',
    '/api/v1/sync/push',
    422,
    PROBLEM_CT,
    json(problem('validation', 422)),
    /errors/,
  );
  responseOk(
    'POST',
    '/api/v1/sync/push',
    422,
    PROBLEM_CT,
    json(
      problem('validation', 422, {
        errors: [{ pointer: '/mutations/0/args/comment', detail: 'too long' }],
      }),
    ),
  );
  responseBad(
    'POST',
    '/api/v1/session',
    400,
    PROBLEM_CT,
    json({ ...problem('malformed-request', 400), schema_version: undefined }),
    /schema_version/,
  );
  responseBad(
    'POST',
    '/api/v1/session',
    400,
    PROBLEM_CT,
    json(problem('no-such-problem', 400)),
    /type/,
  );
});

await tap.test('declared headers are checked: WWW-Authenticate, Retry-After, ETag', () => {
  const unauthorized = json(problem('unauthorized', 401));
  responseBad('GET', '/api/v1/cases/abc', 401, PROBLEM_CT, unauthorized, /WWW-Authenticate/);
  responseOk(
    'GET',
    '/api/v1/cases/abc',
    401,
    { ...PROBLEM_CT, 'www-authenticate': 'Bearer realm="tongban"' },
    unauthorized,
  );
  const limited = json(problem('rate-limited', 429));
  responseBad('POST', '/api/v1/session', 429, PROBLEM_CT, limited, /Retry-After/);
  responseBad(
    'POST',
    '/api/v1/session',
    429,
    { ...PROBLEM_CT, 'retry-after': 'soon' },
    limited,
    /Retry-After/,
  );
  responseOk('POST', '/api/v1/session', 429, { ...PROBLEM_CT, 'retry-after': '15' }, limited);
  const doc = json({ ...aCase, schema_version: 1 });
  responseBad('GET', '/api/v1/cases/abc', 200, JSON_CT, doc, /ETag/);
  responseBad('GET', '/api/v1/cases/abc', 200, { ...JSON_CT, etag: 'W/"3"' }, doc, /ETag/);
  responseOk('GET', '/api/v1/cases/abc', 200, { ...JSON_CT, etag: '"v3"' }, doc);
  responseOk('GET', '/api/v1/cases/abc', 304, { ...NO_STORE, etag: '"v3"' }, Buffer.alloc(0));
});

await tap.test('case documents: shape, events and schema_version are checked', () => {
  responseBad(
    'GET',
    '/api/v1/cases/abc',
    200,
    { ...JSON_CT, etag: '"v3"' },
    json(aCase),
    /schema_version/,
  );
  responseBad(
    'GET',
    '/api/v1/cases/abc',
    200,
    { ...JSON_CT, etag: '"v3"' },
    json({ ...aCase, schema_version: 1, colour: 'red' }),
    /unevaluated/,
  );
  responseBad(
    'GET',
    '/api/v1/cases/abc',
    200,
    { ...JSON_CT, etag: '"v3"' },
    json({ ...aCase, schema_version: 1, deadline: '20.11.2026' }),
    /format/,
  );
  responseBad(
    'GET',
    '/api/v1/cases/abc',
    200,
    { ...JSON_CT, etag: '"v3"' },
    json({
      ...aCase,
      schema_version: 1,
      events: [{ id: 'e', kind: 'comment', actor_id: null, at: 'x', device_time: null, data: {} }],
    }),
  );
});

await tap.test('pull pages: every kind of change is checked', () => {
  const page = (changes) =>
    json({
      schema_version: 1,
      changes,
      cursor: 'c1',
      has_more: false,
      last_mutation_id: 0,
      server_time: '2026-11-27T01:30:00Z',
    });
  responseOk(
    'POST',
    '/api/v1/sync/pull',
    200,
    JSON_CT,
    page([
      {
        type: 'team',
        id: 'team-market',
        op: 'put',
        version: 1,
        data: { id: 'team-market', name: '市场' },
      },
      {
        type: 'user',
        id: 'u-lina',
        op: 'put',
        version: 1,
        data: { ...session.user, id: 'u-lina', login: 'lina' },
      },
      {
        type: 'calendar',
        id: '2026',
        op: 'put',
        data: { year: 2026, days: [{ date: '2026-01-01', is_off: true, name: '元旦' }] },
      },
      { type: 'case', id: aCase.id, op: 'put', version: 3, data: aCase },
      { type: 'case', id: 'gone', op: 'remove' },
      { type: 'service', id: 'old', op: 'delete' },
    ]),
  );
  responseBad(
    'POST',
    '/api/v1/sync/pull',
    200,
    JSON_CT,
    page([{ type: 'case', id: aCase.id, op: 'put', version: 3 }]),
  );
  responseBad(
    'POST',
    '/api/v1/sync/pull',
    200,
    JSON_CT,
    page([{ type: 'case', id: 'gone', op: 'remove', data: aCase }]),
  );
  responseBad(
    'POST',
    '/api/v1/sync/pull',
    200,
    JSON_CT,
    page([{ type: 'form', id: 'x', op: 'delete' }]),
  );
  responseBad(
    'POST',
    '/api/v1/sync/pull',
    200,
    JSON_CT,
    page([{ type: 'case', id: 'x', op: 'patch' }]),
  );
});

await tap.test('push answers: each result status has its members', () => {
  const answer = (results) => json({ schema_version: 1, last_mutation_id: 3, results });
  responseOk(
    'POST',
    '/api/v1/sync/push',
    200,
    JSON_CT,
    answer([
      { id: 1, status: 'applied', version: 4 },
      { id: 2, status: 'duplicate' },
      { id: 3, status: 'rejected', problem: problem('workflow', 422) },
      { id: 4, status: 'conflict', record: aCase },
    ]),
  );
  responseBad('POST', '/api/v1/sync/push', 200, JSON_CT, answer([{ id: 3, status: 'rejected' }]));
  responseBad('POST', '/api/v1/sync/push', 200, JSON_CT, answer([{ id: 4, status: 'conflict' }]));
  responseBad('POST', '/api/v1/sync/push', 200, JSON_CT, answer([{ id: 1, status: 'done' }]));
  responseBad(
    'POST',
    '/api/v1/sync/push',
    200,
    JSON_CT,
    answer([{ id: 3, status: 'rejected', problem: problem('validation', 422) }]),
  );
});

await tap.test('unlisted methods answer 405, unknown paths 404', () => {
  const notAllowed = json({
    ...problem('x', 405),
    type: 'about:blank',
    title: 'Method Not Allowed',
  });
  responseOk('GET', '/api/v1/sync/push', 405, { ...PROBLEM_CT, allow: 'POST' }, notAllowed);
  responseBad('GET', '/api/v1/sync/push', 405, PROBLEM_CT, notAllowed, /Allow/);
  responseBad(
    'GET',
    '/api/v1/sync/push',
    404,
    PROBLEM_CT,
    json(problem('not-found', 404)),
    /not documented/,
  );
  responseBad(
    'GET',
    '/api/v1/sync/push',
    405,
    { ...PROBLEM_CT, allow: 'POST' },
    json(problem('malformed-request', 405)),
    /type/,
  );
  responseOk('GET', '/api/v1/nothing/here', 404, PROBLEM_CT, json(problem('not-found', 404)));
  responseBad('GET', '/elsewhere', 200, JSON_CT, json({}), /not documented/);
});

await tap.test('requests: conforming ones pass, broken ones are caught', () => {
  const bearer = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const push = (mutations, extra = {}) => ({
    schema_version: 1,
    client_id: 'c-1',
    mutations,
    ...extra,
  });
  const decide = {
    id: 1,
    name: 'case.decide',
    args: { case_id: 'c', action: 'approve', comment: null },
    base_versions: { 'case:c': 3 },
    device_time: '2026-11-27T09:30:00+08:00',
  };
  const ok = (method, p, h, body) => {
    const problems = contract.checkRequest(method, p, h, body);
    assert(problems.length === 0, `${method} ${p}: ${problems.join(' | ')}`);
  };
  const bad = (method, p, h, body, pattern) => {
    const problems = contract.checkRequest(method, p, h, body);
    assert(problems.length > 0, `${method} ${p}: expected the checker to object`);
    assert(
      !pattern || problems.some((t) => pattern.test(t)),
      `${problems.join(' | ')} !~ ${pattern}`,
    );
  };
  ok('POST', '/api/v1/sync/push', bearer, push([decide]));
  ok(
    'POST',
    '/api/v1/sync/push',
    bearer,
    push([
      { id: 2, name: 'case.comment', args: { case_id: 'c', text: '好' } },
      { id: 3, name: 'case.reassign', args: { case_id: 'c', assignee_id: 'u-lina' } },
      {
        id: 4,
        name: 'case.update_fields',
        args: { case_id: 'c', fields: { phone: '13800138000' } },
      },
      {
        id: 5,
        name: 'case.create',
        args: {
          case_id: 'n',
          service_id: 's',
          applicant_name: '王芳',
          applicant_kind: 'person',
          form: {},
        },
      },
    ]),
  );
  bad('POST', '/api/v1/sync/push', bearer, push([decide], { colour: 1 }), /additional/);
  bad('POST', '/api/v1/sync/push', bearer, push([{ ...decide, colour: 1 }]));
  bad(
    'POST',
    '/api/v1/sync/push',
    bearer,
    push([{ ...decide, args: { ...decide.args, colour: 1 } }]),
  );
  bad('POST', '/api/v1/sync/push', bearer, push([{ ...decide, name: 'case.explode' }]));
  bad('POST', '/api/v1/sync/push', bearer, push([{ ...decide, args: { case_id: 'c' } }]));
  bad('POST', '/api/v1/sync/push', bearer, push([{ ...decide, id: 0 }]));
  bad('POST', '/api/v1/sync/push', bearer, push([{ ...decide, id: 2 ** 53 }]));
  bad(
    'POST',
    '/api/v1/sync/push',
    bearer,
    push(Array.from({ length: 1001 }, (_, i) => ({ ...decide, id: i + 1 }))),
    /1000/,
  );
  bad(
    'POST',
    '/api/v1/sync/push',
    bearer,
    push([{ ...decide, args: { ...decide.args, comment: 'x'.repeat(10001) } }]),
  );
  bad(
    'POST',
    '/api/v1/sync/push',
    bearer,
    push([{ ...decide, args: { ...decide.args, case_id: 'x'.repeat(65) } }]),
  );
  bad(
    'POST',
    '/api/v1/sync/push',
    { 'content-type': 'application/json' },
    push([decide]),
    /bearer/,
  );
  ok(
    'POST',
    '/api/v1/session',
    { 'content-type': 'application/json' },
    { schema_version: 1, login: 'wangfang', password: 'pw' },
  );
  bad(
    'POST',
    '/api/v1/session',
    { 'content-type': 'application/json' },
    { schema_version: 2, login: 'wangfang', password: 'pw' },
    /schema_version/,
  );
  ok('POST', '/api/v1/sync/pull', bearer, {
    schema_version: 1,
    client_id: 'c-1',
    cursor: null,
    limit: 10000,
    max_bytes: 16000000,
  });
  bad('POST', '/api/v1/sync/pull', bearer, {
    schema_version: 1,
    client_id: 'c-1',
    cursor: null,
    limit: 10001,
  });
  bad('POST', '/api/v1/sync/pull', bearer, {
    schema_version: 1,
    client_id: 'c-1',
    cursor: null,
    max_bytes: 1000,
  });
  bad('POST', '/api/v1/sync/pull', bearer, { schema_version: 1, client_id: 'c-1' }, /cursor/);
  ok('GET', '/api/v1/cases/abc', {
    authorization: `Bearer ${token}`,
    'tongban-schema-version': '1',
  });
  bad(
    'GET',
    '/api/v1/cases/abc',
    { authorization: `Bearer ${token}` },
    undefined,
    /Tongban-Schema-Version/,
  );
  bad(
    'GET',
    '/api/v1/cases/abc',
    { authorization: `Bearer ${token}`, 'tongban-schema-version': '2' },
    undefined,
    /Tongban-Schema-Version/,
  );
  ok('GET', '/api/v1/audit?after=0&limit=500', {
    authorization: `Bearer ${token}`,
    'tongban-schema-version': '1',
  });
  bad(
    'GET',
    '/api/v1/audit?limit=501',
    { authorization: `Bearer ${token}`, 'tongban-schema-version': '1' },
    undefined,
    /limit/,
  );
  ok(
    'POST',
    '/api/v1/attachments',
    { authorization: `Bearer ${token}`, 'content-type': 'text/plain', 'idempotency-key': 'k-1' },
    Buffer.from('data'),
  );
  bad(
    'POST',
    '/api/v1/attachments',
    { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
    Buffer.from('data'),
    /Idempotency-Key/,
  );
  bad(
    'GET',
    '/api/v1/attachments/ABC',
    { authorization: `Bearer ${token}`, 'tongban-schema-version': '1' },
    undefined,
    /sha256/,
  );
});

process.exitCode = tap.end();
