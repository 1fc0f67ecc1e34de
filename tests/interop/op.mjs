// An independently written, OpenID-certified provider for feide-tower's interoperability tests:
// panva's oidc-provider (https://github.com/panva/node-oidc-provider), configured close to Feide.
//
//   node op.mjs '<json settings>'
//
// Settings (all optional): {"port": 0, "clients": [...], "datasources": [...], "ttl": {...}}
//   clients:     oidc-provider client metadata; Feide-like defaults are filled in (code flow,
//                client_secret_basic, RS256 ID tokens, authorization_code + token exchange).
//                A client with "backchannel_logout_uri" (and "backchannel_logout_session_required")
//                turns on oidc-provider's Back-Channel Logout 1.0 (features.backchannelLogout):
//                ID tokens then carry "sid", discovery says backchannel_logout_supported, and
//                ending a session at the provider POSTs a logout token to that URI. Without such a
//                client the feature stays off and nothing below about it applies.
//   datasources: [{"audience": "https://n.feide.no/datasources/<uuid>", "scopes": ["readUser"],
//                  "owner": "<client_id of the data source's own client>"}]
//   id_token_algs: the ID-token algorithms the provider offers and advertises in discovery
//                (enabledJWA.idTokenSigningAlgValues), default ["RS256"]. For "ES256" a P-256
//                key, for "EdDSA" an Ed25519 key is generated and published next to the RSA
//                keys; clients sign with the first listed unless their metadata says
//                otherwise (id_token_signed_response_alg). ["ES256"] or ["EdDSA"] makes an
//                ES256-only or EdDSA-only provider (token exchange still signs with RSA).
//   par_required: true makes Pushed Authorization Requests (RFC 9126, on by default in
//                oidc-provider 9) required: discovery says require_pushed_authorization_requests
//                and the authorization endpoint refuses requests that were not pushed.
//   acr_values:  the authentication levels (acr) the provider supports (oidc-provider's
//                acrValues, advertised as acr_values_supported), default none: then nothing below
//                applies. With some, a login whose acr_values names a supported level is
//                signed in at the first such level: a session at no (or another) level signs in
//                again (a login-prompt check), and the login form's submission is finished here
//                with provider.interactionFinished({login: {accountId, acr}}) instead of by the
//                development interactions, so the ID token's acr is that level (step-up).
//
// Listens on 127.0.0.1 only (port 0 = a free one) and prints ONE JSON line on stdout when ready:
//   {"issuer": "http://127.0.0.1:PORT", "signing_kid": "..."}
// Stops on SIGTERM/SIGINT, and when stdin closes (the test that started it is gone).
//
// What is configured like Feide: PKCE required (S256, the only method oidc-provider 9 has),
// RS256 ID tokens only, confidential clients with client_secret_basic, RP-initiated logout with
// id_token_hint and registered post_logout_redirect_uris, opaque access tokens for userinfo, no
// refresh tokens, and RFC 8693 token exchange in Feide's two patterns, registered through
// oidc-provider's extension-grant API (provider.registerGrantType):
//   (a) login client: subject_token = its opaque access token, audience = a data source
//       -> an RS256 JWT access token {iss, aud, sub, client_id, scope: "a b", iat, nbf, exp, act}
//   (b) data source:  subject_token = such a JWT (token type jwt), requested_token_type =
//       access_token, audience = the issuer -> an opaque access token usable at userinfo.
// Logins use oidc-provider's own development interactions (its login form and consent page).
//
// Test-only control endpoints (not OIDC; loopback only like everything else):
//   POST /__control/rotate  a new RSA key signs from now on; the previous keys stay published
//   POST /__control/retire  only the current signing key stays published
// Both answer {"signing_kid", "published_kids"}. Rotation swaps in a new Provider instance built
// with the new key set; all instances share one store (SharedAdapter) and the cookie keys, so
// sessions, grants and tokens survive it.
//   POST /__control/end_session  {"sub": "<account>"}: ends every provider session of that
//        account as an administrator would, the way the end_session endpoint's confirmation does
//        it (lib/actions/end_session.js): for each client that took part, oidc-provider's own
//        client.backchannelLogout(sub, sid) sends the logout token; then the grants are revoked
//        and the session destroyed. Answers {"sessions": N, "notified": [{"client_id", "ok",
//        "error"?}]} once every back-channel call has been answered.

import crypto from 'node:crypto';
import http from 'node:http';

import { createLocalJWKSet, importJWK, jwtVerify, SignJWT } from 'jose';
import Provider, { errors, interactionPolicy } from 'oidc-provider';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const JWT_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
const EPPN = 'https://n.feide.no/claims/eduPersonPrincipalName';

const settings = JSON.parse(process.argv[2] || '{}');
const ttl = {
  AccessToken: 3600,
  AuthorizationCode: 60,
  ClientCredentials: 600,
  IdToken: 3600,
  Interaction: 600,
  Session: 3600,
  Grant: 3600,
  ...(settings.ttl || {}),
};
// The lifetime of the JWT access tokens the exchange issues.
const exchangedTtl = settings.exchanged_ttl || 900;

// Test users: the login form takes the short name as the login (any password).
const USERS = {
  alice: { name: 'Alice Andersen', given_name: 'Alice', family_name: 'Andersen', email: 'alice@example.org', [EPPN]: 'alice@test.feide.no' },
  bob: { name: 'Bob Berg', given_name: 'Bob', family_name: 'Berg', email: 'bob@example.org', [EPPN]: 'bob@test.feide.no' },
  carol: { name: 'Carol Christensen', given_name: 'Carol', family_name: 'Christensen', email: 'carol@example.org', [EPPN]: 'carol@test.feide.no' },
};

function log(message, fields = {}) {
  process.stderr.write(`${JSON.stringify({ at: new Date().toISOString(), message, ...fields })}\n`);
}

// ---------------------------------------------------------------------------------------------
// Keys: RSA-2048 JWKs generated at start; the first one signs.

let keyCounter = 0;
function newRsaKey() {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  keyCounter += 1;
  return {
    ...privateKey.export({ format: 'jwk' }),
    kid: `op-rsa-${keyCounter}-${crypto.randomBytes(4).toString('hex')}`,
    use: 'sig',
    alg: 'RS256',
  };
}

function publicJwk({ kty, n, e, kid, use, alg }) {
  return { kty, n, e, kid, use, alg };
}

let keys = [newRsaKey()];

// ID-token algorithms and the non-RSA keys they need (RSA keys are in `keys`).
const idTokenAlgs = settings.id_token_algs || ['RS256'];
const idTokenKeys = idTokenAlgs.flatMap((alg) => {
  const kid = `op-${alg.toLowerCase()}-${crypto.randomBytes(4).toString('hex')}`;
  if (alg === 'ES256') {
    const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    return [{ ...privateKey.export({ format: 'jwk' }), kid, use: 'sig', alg }];
  }
  if (alg === 'EdDSA') {
    const { privateKey } = crypto.generateKeyPairSync('ed25519');
    return [{ ...privateKey.export({ format: 'jwk' }), kid, use: 'sig', alg }];
  }
  return [];
});

// Authentication levels for step-up (see acr_values above); none by default.
const acrValues = settings.acr_values || [];

// ---------------------------------------------------------------------------------------------
// Clients and data sources.

const clients = (settings.clients || []).map((client) => ({
  grant_types: ['authorization_code', TOKEN_EXCHANGE],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
  id_token_signed_response_alg: idTokenAlgs[0],
  ...client,
}));
const datasources = settings.datasources || [];
// Back-Channel Logout is on only when a client registers a back-channel logout URI.
const backchannelLogout = clients.some((client) => client.backchannel_logout_uri !== undefined);

// ---------------------------------------------------------------------------------------------
// RFC 8693 token exchange through oidc-provider's extension-grant API.

const exchangeParameters = [
  'subject_token', 'subject_token_type', 'requested_token_type', 'audience', 'scope',
  'actor_token', 'actor_token_type', 'resource',
];

function requireParam(params, name) {
  if (!params[name]) {
    throw new errors.InvalidRequest(`missing required parameter '${name}'`);
  }
  return params[name];
}

async function tokenExchange(ctx) {
  const { params, client, provider } = ctx.oidc;
  const subjectToken = requireParam(params, 'subject_token');
  const subjectType = requireParam(params, 'subject_token_type');
  if (params.actor_token || params.actor_token_type) {
    throw new errors.InvalidRequest('actor tokens are not supported');
  }
  if (params.resource) {
    throw new errors.InvalidRequest('use audience, not resource');
  }
  if (subjectType === ACCESS_TOKEN_TYPE) {
    if (params.requested_token_type && params.requested_token_type !== JWT_TYPE) {
      throw new errors.InvalidRequest('only a JWT can be issued for an access token');
    }
    return toDatasource(ctx, provider, client, params, subjectToken);
  }
  if (subjectType === JWT_TYPE) {
    if (params.requested_token_type !== ACCESS_TOKEN_TYPE) {
      throw new errors.InvalidRequest(`requested_token_type must be ${ACCESS_TOKEN_TYPE}`);
    }
    return toProviderApis(ctx, provider, client, params, subjectToken);
  }
  throw new errors.InvalidRequest('unsupported subject_token_type');
}

// Pattern (a): the login client's opaque access token -> a JWT for a data source.
async function toDatasource(ctx, provider, client, params, subjectToken) {
  const audience = requireParam(params, 'audience');
  const subject = await provider.AccessToken.find(subjectToken);
  if (!subject || subject.isExpired) {
    throw new errors.InvalidGrant('subject_token is invalid, expired or revoked');
  }
  if (subject.clientId !== client.clientId) {
    throw new errors.InvalidGrant('subject_token was issued to another client');
  }
  if (!subject.accountId || !USERS[subject.accountId]) {
    throw new errors.InvalidGrant('subject_token has no user');
  }
  const datasource = datasources.find((d) => d.audience === audience);
  if (!datasource) {
    throw new errors.InvalidTarget('unknown audience');
  }
  let scope = datasource.scopes;
  if (params.scope !== undefined && params.scope.trim() !== '') {
    scope = params.scope.split(' ').filter(Boolean);
    const unknown = scope.find((s) => !datasource.scopes.includes(s));
    if (unknown !== undefined) {
      throw new errors.InvalidScope('a requested scope is not defined by the data source', unknown);
    }
  }
  const [signing] = keys;
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    client_id: client.clientId,
    scope: scope.join(' '),
    act: { sub: client.clientId },
  };
  if (subject.scopes.has('userid-feide')) {
    claims[EPPN] = USERS[subject.accountId][EPPN];
  }
  const jwt = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: signing.kid })
    .setIssuer(provider.issuer)
    .setAudience(audience)
    .setSubject(subject.accountId)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + exchangedTtl)
    .setJti(crypto.randomUUID())
    .sign(await importJWK(signing, 'RS256'));
  log('token exchange: data-source JWT issued', { client: client.clientId, audience, kid: signing.kid });
  ctx.body = {
    access_token: jwt,
    issued_token_type: JWT_TYPE,
    token_type: 'Bearer',
    expires_in: exchangedTtl,
    scope: scope.join(' '),
  };
}

// Pattern (b): a data source's incoming JWT -> an opaque access token for the provider's APIs.
async function toProviderApis(ctx, provider, client, params, subjectToken) {
  const audience = requireParam(params, 'audience');
  if (audience !== provider.issuer) {
    throw new errors.InvalidTarget('audience must be the issuer');
  }
  let payload;
  try {
    ({ payload } = await jwtVerify(
      subjectToken,
      createLocalJWKSet({ keys: keys.map(publicJwk) }),
      { issuer: provider.issuer, algorithms: ['RS256'] },
    ));
  } catch {
    throw new errors.InvalidGrant('subject_token is not a valid token from this issuer');
  }
  const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  const owned = datasources.some((d) => d.owner === client.clientId && audiences.includes(d.audience));
  if (!owned) {
    throw new errors.InvalidGrant('subject_token was not issued for a data source of this client');
  }
  if (!USERS[payload.sub]) {
    throw new errors.InvalidGrant('subject_token has no known user');
  }
  const allowed = ['profile', 'email', 'userid-feide'];
  const requested = (params.scope || '').split(' ').filter(Boolean);
  const unknown = requested.find((s) => !allowed.includes(s));
  if (unknown !== undefined) {
    throw new errors.InvalidScope('scope not allowed for the provider APIs', unknown);
  }
  const scope = ['openid', ...requested].join(' ');
  const grant = new provider.Grant({ accountId: payload.sub, clientId: client.clientId });
  grant.addOIDCScope(scope);
  const grantId = await grant.save();
  const token = new provider.AccessToken({
    accountId: payload.sub, client, grantId, gty: TOKEN_EXCHANGE, scope,
  });
  const value = await token.save();
  log('token exchange: provider-API token issued', { client: client.clientId });
  ctx.body = {
    access_token: value,
    issued_token_type: ACCESS_TOKEN_TYPE,
    token_type: 'Bearer',
    expires_in: token.expiration,
    scope,
  };
}

// ---------------------------------------------------------------------------------------------
// Storage shared by every Provider instance of this process (oidc-provider's built-in memory
// adapter keeps a store per instance), so sessions, grants and tokens survive a key rotation.
// The adapter interface is oidc-provider's documented one.

const store = new Map(); // "Model:id" -> { payload, expiresAt }
const index = new Map(); // "grant:<id>" | "uid:<uid>" | "userCode:<code>" -> Set of keys / key

class SharedAdapter {
  constructor(model) {
    this.model = model;
  }

  key(id) {
    return `${this.model}:${id}`;
  }

  async upsert(id, payload, expiresIn) {
    const key = this.key(id);
    const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : Infinity;
    store.set(key, { payload, expiresAt });
    if (payload.grantId) {
      const members = index.get(`grant:${payload.grantId}`) || new Set();
      members.add(key);
      index.set(`grant:${payload.grantId}`, members);
    }
    if (this.model === 'Session' && payload.uid) {
      index.set(`uid:${payload.uid}`, key);
    }
    if (payload.userCode) {
      index.set(`userCode:${payload.userCode}`, key);
    }
  }

  static read(key) {
    const entry = key && store.get(key);
    if (!entry) {
      return undefined;
    }
    if (entry.expiresAt <= Date.now()) {
      store.delete(key);
      return undefined;
    }
    return entry.payload;
  }

  async find(id) {
    return SharedAdapter.read(this.key(id));
  }

  async findByUid(uid) {
    return SharedAdapter.read(index.get(`uid:${uid}`));
  }

  async findByUserCode(userCode) {
    return SharedAdapter.read(index.get(`userCode:${userCode}`));
  }

  async consume(id) {
    const payload = SharedAdapter.read(this.key(id));
    if (payload) {
      payload.consumed = Math.floor(Date.now() / 1000);
    }
  }

  async destroy(id) {
    store.delete(this.key(id));
  }

  async revokeByGrantId(grantId) {
    for (const key of index.get(`grant:${grantId}`) || []) {
      store.delete(key);
    }
    index.delete(`grant:${grantId}`);
  }
}

// ---------------------------------------------------------------------------------------------
// The provider.

// The same cookie keys for every instance, so interactions and sessions survive a key rotation.
const cookieKeys = [crypto.randomBytes(32).toString('base64url')];

function makeProvider(issuer) {
  const provider = new Provider(issuer, {
    adapter: SharedAdapter,
    clients,
    jwks: { keys: [...keys, ...idTokenKeys] },
    async findAccount(ctx, id) {
      const user = USERS[id];
      if (!user) {
        return undefined;
      }
      return { accountId: id, async claims() { return { sub: id, ...user }; } };
    },
    claims: {
      openid: ['sub'],
      profile: ['name', 'given_name', 'family_name'],
      email: ['email'],
      'userid-feide': [EPPN],
    },
    scopes: ['openid'],
    responseTypes: ['code'],
    pkce: { required: () => true },
    enabledJWA: { idTokenSigningAlgValues: idTokenAlgs },
    cookies: { keys: cookieKeys },
    ...(acrValues.length ? { acrValues, interactions: { policy: stepUpPolicy() } } : {}),
    features: {
      devInteractions: { enabled: true },
      rpInitiatedLogout: { enabled: true },
      resourceIndicators: { enabled: false },
      clientCredentials: { enabled: true },
      userinfo: { enabled: true },
      backchannelLogout: { enabled: backchannelLogout },
      pushedAuthorizationRequests: {
        enabled: true,
        requirePushedAuthorizationRequests: settings.par_required === true,
      },
    },
    ...(backchannelLogout ? { fetch: loopbackFetch } : {}),
    ttl,
  });
  provider.registerGrantType(TOKEN_EXCHANGE, tokenExchange, exchangeParameters);
  for (const event of ['server_error', 'grant.error', 'authorization.error', 'end_session.error', 'userinfo.error']) {
    provider.on(event, (ctx, error) => log(event, { error: error?.name, description: error?.error_description || error?.message }));
  }
  provider.on('backchannel.success', (ctx, client) => log('backchannel.success', { client: client.clientId }));
  provider.on('backchannel.error', (ctx, error, client) => log('backchannel.error', { client: client.clientId, error: error?.message }));
  return provider;
}

// oidc-provider guards its outgoing requests (fetch_request.js) with a dispatcher that refuses
// special-use addresses, loopback included, against SSRF. Every party of this test world is on
// loopback, so the back-channel call must reach one: this fetch (the documented `fetch`
// configuration hook) lets requests to loopback URLs through without that dispatcher and
// refuses every other URL outright.
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
async function loopbackFetch(url, options) {
  if (!LOOPBACK_HOSTS.has(new URL(url).hostname)) {
    throw new Error(`this test provider only talks to loopback, not ${new URL(url).origin}`);
  }
  const { dispatcher, ...rest } = options;
  return globalThis.fetch(url, rest);
}

// ---------------------------------------------------------------------------------------------
// Step-up (only with settings.acr_values).

// The supported levels a login asks for (acr_values), in its order of preference.
function requestedLevels(params) {
  return String(params.acr_values || '').split(' ').filter((v) => acrValues.includes(v));
}

// oidc-provider's default interaction policy plus one login-prompt check: a session whose acr
// is not one of the supported levels the login asks for must sign in again (acr_values alone
// is a voluntary claim request that oidc-provider would answer from the existing session).
function stepUpPolicy() {
  const policy = interactionPolicy.base();
  policy.get('login').checks.add(new interactionPolicy.Check(
    'acr_step_up',
    'the requested authentication level needs a new sign-in',
    (ctx) => {
      const levels = requestedLevels(ctx.oidc.params);
      if (!levels.length || !ctx.oidc.session.accountId || levels.includes(ctx.oidc.acr)) {
        return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      }
      return interactionPolicy.Check.REQUEST_PROMPT;
    },
  ));
  return policy;
}

function readForm(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      body += chunk;
      if (body.length > 10_000) {
        reject(new Error('body too large'));
        req.destroy();
      }
    });
    req.on('end', () => resolve(new URLSearchParams(body)));
    req.on('error', reject);
  });
}

// The login form's submission (POST /interaction/:uid with prompt=login), finished here rather
// than by the development interactions so the session gets the level: the first supported one
// the login asked for (none if it asked for none). Any other request (consent, abort, an
// unknown interaction) goes on to oidc-provider untouched; answers false then.
async function finishLogin(req, res) {
  if (req.method !== 'POST' || !/^\/interaction\/[^/?]+$/.test(req.url)) {
    return false;
  }
  let details;
  try {
    details = await provider.interactionDetails(req, res);
  } catch {
    return false;
  }
  if (details.prompt?.name !== 'login') {
    return false;
  }
  const form = await readForm(req);
  const accountId = form.get('login');
  const [acr] = requestedLevels(details.params);
  log('login finished', { account: accountId, acr: acr ?? null });
  await provider.interactionFinished(req, res, {
    login: { accountId, ...(acr ? { acr } : {}) },
  }, { mergeWithLastSubmission: false });
  return true;
}

let provider;
let handler;

function install(issuer) {
  provider = makeProvider(issuer);
  handler = provider.callback();
}

function keyState() {
  return { signing_kid: keys[0].kid, published_kids: keys.map((k) => k.kid) };
}

// Ends every provider session of `sub` the way end_session.js's confirmation (with logout=yes)
// does: back-channel logout to each client of the session through oidc-provider's own
// Client#backchannelLogout, then the grants revoked and the session destroyed.
async function endSessions(sub) {
  const ids = [];
  for (const key of store.keys()) {
    if (key.startsWith('Session:') && SharedAdapter.read(key)?.accountId === sub) {
      ids.push(key.slice('Session:'.length));
    }
  }
  const notified = [];
  for (const id of ids) {
    const session = await provider.Session.find(id);
    if (!session) {
      continue;
    }
    const calls = [];
    for (const [clientId, { grantId }] of Object.entries(session.authorizations || {})) {
      const client = await provider.Client.find(clientId);
      if (!client) {
        continue;
      }
      if (backchannelLogout && client.backchannelLogoutUri) {
        calls.push(client.backchannelLogout(session.accountId, session.sidFor(clientId)).then(
          () => {
            log('backchannel.success', { client: clientId, via: 'control' });
            notified.push({ client_id: clientId, ok: true });
          },
          (error) => {
            log('backchannel.error', { client: clientId, via: 'control', error: error?.message });
            notified.push({ client_id: clientId, ok: false, error: error?.message });
          },
        ));
      }
      if (grantId) {
        await Promise.all([
          provider.AccessToken.revokeByGrantId(grantId),
          provider.AuthorizationCode.revokeByGrantId(grantId),
          provider.Grant.adapter.destroy(grantId),
        ]);
      }
    }
    await Promise.all(calls);
    await session.destroy();
  }
  log('sessions ended', { sub, sessions: ids.length, notified: notified.length });
  return { sessions: ids.length, notified };
}

function readJson(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      body += chunk;
      if (body.length > 10_000) {
        reject(new Error('body too large'));
        req.destroy();
      }
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(body || '{}'));
      } catch (error) {
        reject(error);
      }
    });
    req.on('error', reject);
  });
}

function control(req, res) {
  const reply = (status, body) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  if (req.method !== 'POST') {
    return reply(405, { error: 'method_not_allowed' });
  }
  if (req.url === '/__control/end_session') {
    readJson(req)
      .then(({ sub }) => {
        if (typeof sub !== 'string' || !USERS[sub]) {
          return reply(400, { error: 'unknown sub' });
        }
        return endSessions(sub).then((result) => reply(200, result));
      })
      .catch((error) => reply(500, { error: String(error?.message || error) }));
    return undefined;
  }
  if (req.url === '/__control/rotate') {
    keys = [newRsaKey(), ...keys];
  } else if (req.url === '/__control/retire') {
    keys = [keys[0]];
  } else {
    return reply(404, { error: 'not_found' });
  }
  install(provider.issuer);
  log('keys changed', keyState());
  return reply(200, keyState());
}

const server = http.createServer((req, res) => {
  if (req.url.startsWith('/__control/')) {
    control(req, res);
  } else if (acrValues.length) {
    finishLogin(req, res)
      .then((done) => done || handler(req, res))
      .catch((error) => {
        log('login finishing failed', { error: error?.message });
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'text/plain' });
        }
        res.end('login failed');
      });
  } else {
    handler(req, res);
  }
});

function stop(reason) {
  log('stopping', { reason });
  server.close();
  server.closeAllConnections?.();
  process.exit(0);
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
process.stdin.on('end', () => stop('stdin closed'));
process.stdin.on('error', () => stop('stdin error'));
process.stdin.resume();

server.listen(settings.port || 0, '127.0.0.1', () => {
  const { port } = server.address();
  install(`http://127.0.0.1:${port}`);
  log('ready', { issuer: provider.issuer, clients: clients.map((c) => c.client_id) });
  process.stdout.write(`${JSON.stringify({ issuer: provider.issuer, ...keyState() })}\n`);
});
