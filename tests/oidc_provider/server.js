// A real OpenID provider for the gateway's tests (never for production).
//
// Built on the `oidc-provider` package. It listens on 127.0.0.1 only, serves one confidential
// client, requires the authorization code flow with PKCE S256 and releases the ID-porten style
// claims `pid` (the login name, i.e. the national identity number) and `acr`.
//
// Environment:
//   OIDC_PORT               port to listen on; 0 (default) picks a free one
//   OIDC_ISSUER             issuer (an origin, no path); "{port}" is replaced by the real port;
//                           default http://127.0.0.1:{port}
//   OIDC_CLIENT_ID          client id (default "gateway")
//   OIDC_CLIENT_SECRET      client secret (required, at least 32 characters)
//   OIDC_REDIRECT_URIS      space- or comma-separated redirect URIs (required)
//   OIDC_CLIENT_AUTH_METHOD client_secret_basic (default) or client_secret_post; the provider
//                           then advertises and accepts only that method
//   OIDC_REDIRECT_ANY_PORT  "1": a registered redirect URI on http://127.0.0.1 or http://localhost
//                           also matches the same URI with any other port (tests whose relying
//                           party picks its port after the provider has started)
//   OIDC_ADMIN_TOKEN        enables the test-only admin endpoint POST /__test__/misbehave
//                           (Authorization: Bearer <token>); unset = endpoint answers 404
//
// Once listening it prints exactly one line "READY http://127.0.0.1:PORT" to standard output.
//
// Login page (GET /interaction/:uid) is a plain HTML form that a plain HTTP client can post:
//   POST /interaction/:uid/login  pid=<login name>&acr=substantial|high&action=login|cancel
//                                 [&email=<e-mail claim>&amr=<methods, space-separated; default TESTID>]
// acr is "idporten-loa-high" when the form asks for "high" or when acr_values asked for it,
// otherwise "idporten-loa-substantial". action=cancel ends with error=access_denied at the client.
//
// Misbehaviour on demand (for negative tests of the relying party): POST /__test__/misbehave
// with JSON {"mode": "<mode>"}; the mode applies to every ID token issued by the token endpoint
// until it is set back to "none". Modes: see MODES below.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';

import { exportJWK, generateKeyPair, SignJWT, decodeJwt, decodeProtectedHeader } from 'jose';
import Provider, { interactionPolicy } from 'oidc-provider';

const LOA_SUBSTANTIAL = 'idporten-loa-substantial';
const LOA_HIGH = 'idporten-loa-high';
const HOST = '127.0.0.1';

const MODES = new Set([
  'none', // behave
  'wrong_issuer', // iss is another issuer
  'wrong_audience', // aud is another client
  'multiple_audiences_without_azp', // aud = [client, other], no azp
  'wrong_azp', // aud = [client, other], azp = other
  'expired', // exp (and iat) an hour in the past
  'not_yet_valid', // iat/nbf an hour in the future
  'stale', // still unexpired, but issued an hour ago
  'wrong_nonce', // nonce replaced
  'no_nonce', // nonce removed
  'no_pid', // pid removed
  'acr_substantial', // acr forced down to substantial
  'bad_signature', // signed by a key that is not in the JWKS, but with the published kid
  'unknown_kid', // signed by a key that is not in the JWKS, with a kid the JWKS does not have
  'rotated_key', // signed by a new key whose public half is added to the JWKS from now on
  'alg_none', // unsigned token, alg "none"
  'hs256_client_secret', // HS256 with the client secret as key (not on the RP's allow-list)
]);

function fail(message) {
  process.stderr.write(`oidc test provider: ${message}\n`);
  process.exit(2);
}

function escapeHtml(value) {
  return String(value)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

function readBody(req, limit = 64 * 1024) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > limit) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res, status, type, body, extraHeaders = {}) {
  res.writeHead(status, {
    'Content-Type': type,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...extraHeaders,
  });
  res.end(body);
}

async function newSigningKey(kid) {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  return { privateKey, privateJwk, publicJwk };
}

const port = Number.parseInt(process.env.OIDC_PORT ?? '0', 10);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail('OIDC_PORT must be a port number');
const clientId = process.env.OIDC_CLIENT_ID || 'gateway';
const clientSecret = process.env.OIDC_CLIENT_SECRET || '';
if (clientSecret.length < 32) fail('OIDC_CLIENT_SECRET must be set (at least 32 characters)');
const redirectUris = (process.env.OIDC_REDIRECT_URIS || '').split(/[\s,]+/).filter(Boolean);
if (redirectUris.length === 0) fail('OIDC_REDIRECT_URIS must name at least one redirect URI');
const clientAuthMethod = process.env.OIDC_CLIENT_AUTH_METHOD || 'client_secret_basic';
if (!['client_secret_basic', 'client_secret_post'].includes(clientAuthMethod)) {
  fail('OIDC_CLIENT_AUTH_METHOD must be client_secret_basic or client_secret_post');
}
const adminToken = process.env.OIDC_ADMIN_TOKEN || '';
const redirectAnyPort = process.env.OIDC_REDIRECT_ANY_PORT === '1';

let provider; // set once the port is known
let mode = 'none';
const extraPublicJwks = []; // keys published on top of the provider's own (rotation)

const primary = await newSigningKey(`k1-${randomBytes(6).toString('hex')}`);
const foreign = await newSigningKey('unused'); // never published
let rotated; // created on the first "rotated_key" token

const accounts = new Map(); // accountId (the pairwise-looking sub) -> pid
const emails = new Map(); // accountId -> e-mail, when the login form gave one

function accountIdFor(pid) {
  const sub = createHash('sha256').update(`test-provider-sub:${pid}`).digest('base64url').slice(0, 32);
  accounts.set(sub, pid);
  return sub;
}

// ---- misbehaving ID tokens -----------------------------------------------------------------

async function misbehave(idToken) {
  const header = decodeProtectedHeader(idToken);
  const claims = { ...decodeJwt(idToken) };
  const now = Math.floor(Date.now() / 1000);
  let signer = primary;
  let kid = header.kid;
  switch (mode) {
    case 'wrong_issuer':
      claims.iss = `http://${HOST}:1/not-the-issuer`;
      break;
    case 'wrong_audience':
      claims.aud = 'some-other-client';
      delete claims.azp;
      break;
    case 'multiple_audiences_without_azp':
      claims.aud = [clientId, 'some-other-client'];
      delete claims.azp;
      break;
    case 'wrong_azp':
      claims.aud = [clientId, 'some-other-client'];
      claims.azp = 'some-other-client';
      break;
    case 'expired':
      claims.iat = now - 7200;
      claims.auth_time = now - 7200;
      claims.exp = now - 3600;
      break;
    case 'not_yet_valid':
      claims.iat = now + 3600;
      claims.nbf = now + 3600;
      claims.exp = now + 7200;
      break;
    case 'stale':
      claims.iat = now - 3600;
      claims.auth_time = now - 3600;
      claims.exp = now + 300;
      break;
    case 'wrong_nonce':
      claims.nonce = randomBytes(32).toString('base64url');
      break;
    case 'no_nonce':
      delete claims.nonce;
      break;
    case 'no_pid':
      delete claims.pid;
      break;
    case 'acr_substantial':
      claims.acr = LOA_SUBSTANTIAL;
      break;
    case 'bad_signature':
      signer = foreign;
      break;
    case 'unknown_kid':
      signer = foreign;
      kid = `unknown-${randomBytes(6).toString('hex')}`;
      break;
    case 'rotated_key':
      if (!rotated) {
        rotated = await newSigningKey(`k2-${randomBytes(6).toString('hex')}`);
        extraPublicJwks.push(rotated.publicJwk);
      }
      signer = rotated;
      kid = rotated.publicJwk.kid;
      break;
    case 'alg_none': {
      const head = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
      const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
      return `${head}.${body}.`;
    }
    case 'hs256_client_secret':
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid })
        .sign(Buffer.from(clientSecret, 'utf8'));
    default:
      return idToken;
  }
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', typ: header.typ || 'JWT', kid })
    .sign(signer.privateKey);
}

// ---- interaction (login) pages -------------------------------------------------------------

function loginPage(uid, details) {
  const requested = String(details.params.acr_values || '').split(' ');
  const high = requested.includes(LOA_HIGH);
  const hint = details.params.login_hint ? escapeHtml(details.params.login_hint) : '';
  return `<!doctype html>
<html lang="nb">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Testinnlogging</title></head>
<body>
<main>
<h1>Testinnlogging (ikke ekte BankID)</h1>
<p>Test identity provider for the gateway. Requested level: ${high ? 'high' : 'substantial'}.</p>
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
  <label for="pid">Fødselsnummer (test)</label>
  <input id="pid" name="pid" inputmode="numeric" autocomplete="off" required value="${hint}">
  <label for="acr">Sikkerhetsnivå</label>
  <select id="acr" name="acr">
    <option value="substantial"${high ? '' : ' selected'}>idporten-loa-substantial</option>
    <option value="high"${high ? ' selected' : ''}>idporten-loa-high</option>
  </select>
  <button type="submit" name="action" value="login">Logg inn</button>
  <button type="submit" name="action" value="cancel" formnovalidate>Avbryt</button>
</form>
</main>
</body>
</html>
`;
}

async function handleInteraction(req, res, url) {
  const match = url.pathname.match(/^\/interaction\/([A-Za-z0-9_-]+)(\/login)?$/);
  if (!match) return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
  const [, uid, isLogin] = match;
  let details;
  try {
    details = await provider.interactionDetails(req, res);
  } catch {
    return send(res, 400, 'text/plain; charset=utf-8', 'interaction expired or unknown\n');
  }
  if (details.uid !== uid) return send(res, 400, 'text/plain; charset=utf-8', 'interaction mismatch\n');

  if (req.method === 'GET' && !isLogin) {
    if (details.prompt.name === 'consent') {
      // First-party client: consent is granted implicitly (see loadExistingGrant); not expected.
      const grant = new provider.Grant({ accountId: details.session.accountId, clientId });
      grant.addOIDCScope('openid');
      const grantId = await grant.save();
      return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    }
    return send(res, 200, 'text/html; charset=utf-8', loginPage(uid, details), {
      // no form-action: Chromium applies it to the redirect back to the relying party as well
      'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
    });
  }
  if (req.method === 'POST' && isLogin) {
    let form;
    try {
      form = new URLSearchParams(await readBody(req));
    } catch {
      return send(res, 413, 'text/plain; charset=utf-8', 'body too large\n');
    }
    if (form.get('action') === 'cancel') {
      return provider.interactionFinished(req, res, {
        error: 'access_denied',
        error_description: 'End-User aborted interaction',
      }, { mergeWithLastSubmission: false });
    }
    const pid = (form.get('pid') || '').trim();
    if (!pid || pid.length > 64) {
      return send(res, 400, 'text/html; charset=utf-8', loginPage(uid, details));
    }
    const requested = String(details.params.acr_values || '').split(' ');
    const acr = form.get('acr') === 'high' || requested.includes(LOA_HIGH) ? LOA_HIGH : LOA_SUBSTANTIAL;
    // Optional (staff sign-in tests): an e-mail claim and the methods used (amr, space-separated).
    const email = (form.get('email') || '').trim().slice(0, 254);
    const amr = (form.get('amr') || 'TESTID').trim().split(/\s+/).slice(0, 8);
    if (email) emails.set(accountIdFor(pid), email);
    return provider.interactionFinished(req, res, {
      login: { accountId: accountIdFor(pid), acr, amr, remember: false },
    }, { mergeWithLastSubmission: false });
  }
  return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
}

// ---- test-only admin endpoint --------------------------------------------------------------

function adminAuthorized(req) {
  if (!adminToken) return false;
  const given = Buffer.from(String(req.headers.authorization || ''), 'utf8');
  const expected = Buffer.from(`Bearer ${adminToken}`, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function handleAdmin(req, res, url) {
  if (!adminAuthorized(req)) return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
  if (url.pathname === '/__test__/misbehave' && req.method === 'POST') {
    let body;
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      return send(res, 400, 'application/json', JSON.stringify({ error: 'invalid JSON' }));
    }
    if (!body || !MODES.has(body.mode)) {
      return send(res, 400, 'application/json', JSON.stringify({ error: 'unknown mode', modes: [...MODES] }));
    }
    mode = body.mode;
    return send(res, 200, 'application/json', JSON.stringify({ mode }));
  }
  return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
}

// ---- start ---------------------------------------------------------------------------------

const server = http.createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(port, HOST, resolve);
});
const actualPort = server.address().port;
const issuer = (process.env.OIDC_ISSUER || `http://${HOST}:{port}`).replaceAll('{port}', String(actualPort));
{
  let parsed;
  try {
    parsed = new URL(issuer);
  } catch {
    fail('OIDC_ISSUER is not a URL');
  }
  if (parsed.pathname !== '/' || parsed.search || parsed.hash || issuer.endsWith('/')) {
    fail('OIDC_ISSUER must be an origin without path or trailing slash');
  }
}

const policy = interactionPolicy.base();
// Step-up like ID-porten: asking for a higher level than the provider session has means a new login.
policy.get('login').checks.add(new interactionPolicy.Check(
  'acr_step_up',
  'a higher authentication level was requested',
  (ctx) => {
    const requested = String(ctx.oidc.params.acr_values || '').split(' ');
    if (requested.includes(LOA_HIGH) && ctx.oidc.session.acr !== LOA_HIGH) {
      return interactionPolicy.Check.REQUEST_PROMPT;
    }
    return interactionPolicy.Check.NO_NEED_TO_PROMPT;
  },
));

provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: redirectUris,
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: clientAuthMethod,
    id_token_signed_response_alg: 'RS256',
  }],
  clientAuthMethods: [clientAuthMethod],
  jwks: { keys: [primary.privateJwk] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  pkce: { required: () => true },
  acrValues: [LOA_SUBSTANTIAL, LOA_HIGH],
  claims: { openid: ['sub', 'pid', 'acr', 'amr', 'auth_time', 'email'] }, // ID-porten always sends acr
  conformIdTokenClaims: false, // ID-porten puts pid in the ID token
  features: {
    devInteractions: { enabled: false },
  },
  interactions: {
    policy,
    url: (ctx, interaction) => `/interaction/${interaction.uid}`,
  },
  async findAccount(ctx, sub) {
    const pid = accounts.get(sub);
    if (pid === undefined) return undefined;
    const email = emails.get(sub);
    return { accountId: sub, async claims() { return email ? { sub, pid, email } : { sub, pid }; } };
  },
  async loadExistingGrant(ctx) {
    // First-party client: no consent screen; the openid scope and pid claim are always granted.
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid');
    grant.addOIDCClaims(['sub', 'pid', 'acr', 'amr', 'auth_time', 'email']);
    await grant.save();
    return grant;
  },
  ttl: {
    AuthorizationCode: 60,
    IdToken: 300,
    AccessToken: 300,
    Interaction: 600,
    Session: 3600,
    Grant: 3600,
  },
});

if (redirectAnyPort) {
  const loopback = new Set(['127.0.0.1', 'localhost']);
  const portless = (value) => {
    try {
      const u = new URL(value);
      if (u.protocol !== 'http:' || !loopback.has(u.hostname)) return undefined;
      u.port = '';
      return u.href;
    } catch {
      return undefined;
    }
  };
  const original = provider.Client.prototype.redirectUriAllowed;
  provider.Client.prototype.redirectUriAllowed = function redirectUriAllowed(value) {
    if (original.call(this, value)) return true;
    const wanted = portless(value);
    return wanted !== undefined && this.redirectUris.some((uri) => portless(uri) === wanted);
  };
}

provider.use(async (ctx, next) => {
  await next();
  if (ctx.path === '/jwks' && ctx.status === 200 && ctx.body && Array.isArray(ctx.body.keys)) {
    ctx.body = { keys: [...ctx.body.keys, ...extraPublicJwks] };
  }
  if (ctx.path === '/token' && ctx.method === 'POST' && ctx.status === 200
      && ctx.body && typeof ctx.body.id_token === 'string' && mode !== 'none') {
    ctx.body = { ...ctx.body, id_token: await misbehave(ctx.body.id_token) };
  }
});

const providerCallback = provider.callback();
server.on('request', (req, res) => {
  const url = new URL(req.url, `http://${HOST}`);
  if (url.pathname.startsWith('/interaction/')) {
    handleInteraction(req, res, url).catch((err) => {
      process.stderr.write(`interaction error: ${err.message}\n`);
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'error\n');
    });
  } else if (url.pathname.startsWith('/__test__/')) {
    handleAdmin(req, res, url).catch(() => {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'error\n');
    });
  } else {
    providerCallback(req, res);
  }
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close();
    process.exit(0);
  });
}

process.stdout.write(`READY http://${HOST}:${actualPort}\n`);
