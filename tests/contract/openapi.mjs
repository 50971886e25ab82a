// SPDX-License-Identifier: GPL-3.0-or-later
// openapi.mjs: checks HTTP requests and responses against docs/openapi.yaml with ajv.
//
// The whole OpenAPI document is added to ajv as one schema resource, so that the `$ref`s of
// the spec resolve as they are written; each request or response schema is then compiled by
// its JSON pointer into the document. A response is checked for: a status the operation
// declares, the declared media type (or no body where none is declared), every required
// declared header with a valid value, and the body against the schema of its media type.

import { readFileSync } from 'node:fs';

import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import yaml from 'js-yaml';

const BASE = 'https://tongban.github.io/openapi/v1.json';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function escapePointer(segment) {
  return String(segment).replaceAll('~', '~0').replaceAll('/', '~1');
}

function pointerOf(...segments) {
  return segments.map((s) => '/' + escapePointer(s)).join('');
}

function mediaTypeOf(contentType) {
  if (contentType == null) return null;
  return contentType.split(';')[0].trim().toLowerCase();
}

function isJsonMediaType(mediaType) {
  return mediaType === 'application/json' || /^application\/[a-z0-9.+-]*\+json$/.test(mediaType);
}

function formatErrors(errors) {
  return (errors ?? [])
    .map(
      (e) =>
        `${e.instancePath || '/'} ${e.message}` +
        (e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ''),
    )
    .join('; ');
}

export class Contract {
  constructor(specPath) {
    this.doc = yaml.load(readFileSync(specPath, 'utf8'));
    this.serverPrefix = new URL(this.doc.servers?.[0]?.url ?? '/', 'http://x').pathname.replace(
      /\/$/,
      '',
    );
    this.ajv = new Ajv2020({
      strict: true,
      allErrors: true,
      allowUnionTypes: true,
      // Required members may be declared in an allOf's schemas, which strictRequired misses.
      strictRequired: false,
      // A discriminated oneOf is checked against the branch its tag names, so that an error
      // names what is wrong in that branch rather than listing every branch's complaints.
      discriminator: true,
    });
    addFormats(this.ajv);
    // OpenAPI's annotation keywords beside JSON Schema's.
    for (const keyword of ['example', 'xml', 'externalDocs']) this.ajv.addKeyword({ keyword });
    // The document's own members, so that its root compiles as an (empty) schema resource.
    for (const keyword of Object.keys(this.doc))
      if (!(keyword in { $schema: 1, $id: 1 }) && !this.ajv.getKeyword(keyword))
        this.ajv.addKeyword({ keyword });
    // ajv finds each tag's branch from the branches' `const`s and takes no `mapping`;
    // checkMappings() checks that the two agree.
    const forAjv = structuredClone(this.doc);
    const strip = (node) => {
      if (node && typeof node === 'object') {
        if (node.discriminator && typeof node.discriminator === 'object')
          delete node.discriminator.mapping;
        Object.values(node).forEach(strip);
      }
    };
    strip(forAjv);
    this.ajv.addSchema(forAjv, BASE);
    this.validators = new Map();
    this.routes = Object.entries(this.doc.paths ?? {}).map(([template, item]) => ({
      template,
      item,
      regex: new RegExp(
        '^' +
          template
            .split('/')
            .map((segment) => segment.replace(/\{[^}]+\}/g, '([^/]+)').replace(/[.]/g, '\\.'))
            .join('/') +
          '$',
      ),
      names: [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]),
    }));
  }

  // Checks that every discriminator's mapping names, for each tag, the oneOf branch whose
  // `properties/<tag>/const` (or enum) is that tag, and covers every branch. Returns the list of
  // disagreements.
  checkMappings() {
    const problems = [];
    const walk = (node, ptr) => {
      if (!node || typeof node !== 'object') return;
      const d = node.discriminator;
      if (d && Array.isArray(node.oneOf)) {
        const tags = new Map();
        for (const branch of node.oneOf) {
          const target = branch.$ref ? this.at(branch.$ref.slice(1)) : branch;
          const prop = target.properties?.[d.propertyName] ?? {};
          for (const tag of prop.const !== undefined ? [prop.const] : (prop.enum ?? []))
            tags.set(tag, branch.$ref ?? null);
        }
        const mapping = d.mapping ?? {};
        for (const [tag, ref] of Object.entries(mapping)) {
          if (tags.get(tag) !== ref)
            problems.push(`${ptr}: mapping ${tag} → ${ref}, but that branch is ${tags.get(tag)}`);
        }
        for (const tag of tags.keys()) {
          if (!(tag in mapping)) problems.push(`${ptr}: tag ${tag} is not in the mapping`);
        }
      }
      for (const [k, v] of Object.entries(node)) walk(v, ptr + '/' + escapePointer(k));
    };
    walk(this.doc, '');
    return problems;
  }

  // The value at a JSON pointer of the document.
  at(pointer) {
    let node = this.doc;
    for (const raw of pointer.split('/').slice(1)) {
      const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
      if (node == null || typeof node !== 'object' || !(segment in node))
        throw new Error(`openapi.yaml has nothing at ${pointer}`);
      node = node[segment];
    }
    return node;
  }

  // Follows `$ref`s of non-schema objects (responses, headers, parameters) to their target,
  // returning it with its pointer.
  deref(pointer) {
    let node = this.at(pointer);
    for (let depth = 0; node && typeof node.$ref === 'string'; depth++) {
      if (depth > 10 || !node.$ref.startsWith('#/'))
        throw new Error(`unsupported $ref ${node.$ref} at ${pointer}`);
      pointer = node.$ref.slice(1);
      node = this.at(pointer);
    }
    return { node, pointer };
  }

  // A compiled validator for the schema at a pointer of the document.
  validator(pointer) {
    let validate = this.validators.get(pointer);
    if (!validate) {
      validate = this.ajv.getSchema(BASE + '#' + pointer);
      if (!validate) throw new Error(`no schema at ${pointer}`);
      this.validators.set(pointer, validate);
    }
    return validate;
  }

  // Checks a value against the schema at a pointer; returns an error text or null.
  check(pointer, value) {
    const validate = this.validator(pointer);
    return validate(value) ? null : formatErrors(validate.errors);
  }

  // The path template (with its operations) a request path belongs to, or null.
  route(path) {
    const pathname = new URL(path, 'http://x').pathname;
    if (!pathname.startsWith(this.serverPrefix + '/')) return null;
    const rest = pathname.slice(this.serverPrefix.length);
    for (const route of this.routes) {
      const m = route.regex.exec(rest);
      if (m) {
        const params = {};
        route.names.forEach((name, i) => {
          params[name] = decodeURIComponent(m[i + 1]);
        });
        return { ...route, params };
      }
    }
    return null;
  }

  // Where the responses to a request are described: the operation's responses, or the
  // document's x-tongban-unlisted-method / x-tongban-unknown-path answers.
  responsesFor(method, path) {
    const route = this.route(path);
    method = method.toLowerCase();
    if (!route) return { pointer: '/x-tongban-unknown-path', what: `unknown path ${path}` };
    if (!METHODS.includes(method) || !route.item[method])
      return {
        pointer: '/x-tongban-unlisted-method',
        what: `${method.toUpperCase()} ${route.template}`,
      };
    return {
      pointer: pointerOf('paths', route.template, method, 'responses'),
      what: `${method.toUpperCase()} ${route.template}`,
      route,
      operation: route.item[method],
    };
  }

  // Checks one response. `headers` is a Headers object (or a Map of lower-case names), `body` a
  // Buffer. Returns the list of what is wrong (empty if the response is as documented) and the
  // parsed JSON body, if any.
  checkResponse(method, path, status, headers, body) {
    const problems = [];
    const get = (name) => headers.get(name.toLowerCase()) ?? null;
    const { pointer, what } = this.responsesFor(method, path);
    const responses = this.at(pointer);
    const key = String(status);
    let json;

    if (!(key in responses)) {
      problems.push(
        `${what}: status ${status} is not documented (documented: ` +
          `${Object.keys(responses).join(', ')})`,
      );
      return { problems, json };
    }
    const { node: response, pointer: responsePointer } = this.deref(pointer + '/' + key);

    for (const [name, ref] of Object.entries(response.headers ?? {})) {
      const { node: header, pointer: headerPointer } = this.deref(
        responsePointer + pointerOf('headers', name),
      );
      const value = get(name);
      if (value === null) {
        if (header.required) problems.push(`${what} ${status}: header ${name} is missing`);
        continue;
      }
      if (header.schema) {
        const type = header.schema.type ?? this.at(headerPointer).schema?.type;
        let typed = value;
        if (type === 'integer' || type === 'number') {
          typed = /^-?[0-9]+(\.[0-9]+)?$/.test(value.trim()) ? Number(value.trim()) : value;
        }
        const error = this.check(headerPointer + '/schema', typed);
        if (error)
          problems.push(`${what} ${status}: header ${name}: ${JSON.stringify(value)}: ${error}`);
      }
      void ref;
    }

    const mediaType = mediaTypeOf(get('content-type'));
    const content = response.content ?? {};
    const declared = Object.keys(content);
    if (declared.length === 0) {
      if (body.length !== 0)
        problems.push(`${what} ${status}: a body (${body.length} bytes) where none is documented`);
      return { problems, json };
    }
    if (mediaType === null) {
      problems.push(`${what} ${status}: no Content-Type (documented: ${declared.join(', ')})`);
      return { problems, json };
    }
    const match =
      declared.find((d) => d === mediaType) ??
      declared.find(
        (d) => d.endsWith('/*') && (d === '*/*' || mediaType.startsWith(d.slice(0, -1))),
      );
    if (!match) {
      problems.push(
        `${what} ${status}: Content-Type ${mediaType} is not documented ` +
          `(documented: ${declared.join(', ')})`,
      );
      return { problems, json };
    }
    if (isJsonMediaType(mediaType)) {
      let text;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(body);
      } catch {
        problems.push(`${what} ${status}: the body is not UTF-8`);
        return { problems, json };
      }
      try {
        json = JSON.parse(text);
      } catch (e) {
        problems.push(`${what} ${status}: the body is not JSON: ${e.message}`);
        return { problems, json };
      }
      if (content[match].schema) {
        const error = this.check(responsePointer + pointerOf('content', match, 'schema'), json);
        if (error) problems.push(`${what} ${status}: body: ${error}`);
      }
    }
    return { problems, json };
  }

  // Checks a request as the client sends it: path and query parameters, headers (lower-case
  // names), the bearer token where the operation needs one, and a JSON body. Returns the list
  // of what the spec does not allow (empty if the request is valid).
  checkRequest(method, path, headers, body) {
    const problems = [];
    const { route, operation, what } = this.responsesFor(method, path);
    if (!operation) return [`${what}: not an operation of the spec`];
    const url = new URL(path, 'http://x');
    const lower = Object.fromEntries(
      Object.entries(headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
    );
    const opPointer = pointerOf('paths', route.template, method.toLowerCase());
    const params = [
      ...(route.item.parameters ?? []).map((_, i) =>
        pointerOf('paths', route.template, 'parameters', i),
      ),
      ...(operation.parameters ?? []).map((_, i) => opPointer + pointerOf('parameters', i)),
    ];

    for (const raw of params) {
      const { node: param, pointer } = this.deref(raw);
      let value = null;
      if (param.in === 'path') value = route.params[param.name] ?? null;
      else if (param.in === 'query') value = url.searchParams.get(param.name);
      else if (param.in === 'header') value = lower[param.name.toLowerCase()] ?? null;
      if (value === null) {
        if (param.required)
          problems.push(`${what}: ${param.in} parameter ${param.name} is missing`);
        continue;
      }
      let typed = value;
      if (['integer', 'number'].includes(param.schema?.type) && /^-?[0-9]+$/.test(value))
        typed = Number(value);
      const error = this.check(pointer + '/schema', typed);
      if (error) problems.push(`${what}: ${param.in} parameter ${param.name}: ${error}`);
    }

    const security = operation.security ?? this.doc.security ?? [];
    if (
      security.length > 0 &&
      !security.some((s) => Object.keys(s).length === 0) &&
      !/^Bearer [A-Za-z0-9._~+/-]+=*$/.test(lower.authorization ?? '')
    )
      problems.push(`${what}: no bearer token`);

    if (operation.requestBody) {
      const content = operation.requestBody.content ?? {};
      const mediaType = mediaTypeOf(lower['content-type']);
      if (body === undefined || body === null) {
        if (operation.requestBody.required) problems.push(`${what}: the request body is missing`);
      } else if (content[mediaType] && isJsonMediaType(mediaType) && content[mediaType].schema) {
        let value = body;
        if (typeof body === 'string' || body instanceof Uint8Array) {
          try {
            value = JSON.parse(Buffer.from(body).toString('utf8'));
          } catch {
            problems.push(`${what}: the request body is not JSON`);
            return problems;
          }
        }
        const error = this.check(
          opPointer + pointerOf('requestBody', 'content', mediaType, 'schema'),
          value,
        );
        if (error) problems.push(`${what}: body: ${error}`);
      } else if (!content[mediaType] && !content['*/*']) {
        problems.push(`${what}: Content-Type ${mediaType} is not documented`);
      }
    }
    return problems;
  }
}
