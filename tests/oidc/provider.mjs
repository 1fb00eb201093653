// A real OpenID provider (the `oidc-provider` package) on loopback, for the
// single sign-on tests (tests/app/oidc.rs).
//
// Run from the directory it is installed in (target/oidc-provider, see
// docs/sso.md): `node provider.mjs`. It listens on a free port of 127.0.0.1
// and prints one line of JSON, {"issuer": "http://127.0.0.1:<port>"}.
//
// The person at the provider's login page is the test: it posts the identity
// it wants (sub, email, email_verified) to /interaction/<uid>/login, and the
// provider signs that person in and grants the requested scopes. The /test/*
// routes let a test register clients (and say whether ID tokens carry the
// email or only UserInfo does), rotate the signing key, and make the
// next ID token misbehave (wrong audience, expired, signed with a key the
// provider never published), each re-signed the way a faulty or hostile
// provider would.

import http from 'node:http';
import { randomUUID } from 'node:crypto';
import Provider from 'oidc-provider';
import { decodeJwt, exportJWK, generateKeyPair, importJWK, SignJWT } from 'jose';

const accounts = new Map();
const state = { clients: [], keys: [], tamper: null, claimsInIdToken: false };
let provider;
let issuer;

async function newKey() {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: randomUUID(), alg: 'RS256', use: 'sig' };
}

function build() {
  const next = new Provider(issuer, {
    clients: state.clients,
    jwks: { keys: state.keys },
    cookies: { keys: ['loopwright test provider cookie key'] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    scopes: ['openid', 'email', 'profile'],
    features: { devInteractions: { enabled: false } },
    // By default (conforming) the code flow's ID token holds only `sub`
    // and the email comes from UserInfo; many providers put it in both.
    conformIdTokenClaims: !state.claimsInIdToken,
    pkce: { required: () => true },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(ctx, id) {
      const account = accounts.get(id);
      if (!account) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, ...account }) };
    },
  });
  next.on('server_error', (ctx, error) => console.error('server_error', ctx.path, error));
  next.use(async (ctx, nextMiddleware) => {
    await nextMiddleware();
    if (ctx.path === '/token' && state.tamper && ctx.body && ctx.body.id_token) {
      ctx.body = { ...ctx.body, id_token: await tampered(ctx.body.id_token, state.tamper) };
      state.tamper = null;
    }
  });
  provider = next;
}

// The ID token with its claims changed and signed again: by the provider's
// own current key unless `foreign_key` asks for one it never published.
async function tampered(idToken, how) {
  const claims = decodeJwt(idToken);
  const now = Math.floor(Date.now() / 1000);
  if (how.audience) claims.aud = how.audience;
  if (how.expired) {
    claims.iat = now - 3600;
    claims.exp = now - 600;
  }
  const jwk = how.foreign_key ? await newKey() : state.keys[0];
  const key = await importJWK(jwk, 'RS256');
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: jwk.kid }).sign(key);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    let data = '';
    req.on('data', (chunk) => { data += chunk; });
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

function send(res, status, type, body) {
  res.writeHead(status, { 'content-type': type });
  res.end(body);
}

async function control(req, res, path) {
  const body = JSON.parse((await readBody(req)) || '{}');
  if (path === '/test/clients') {
    state.clients = body.clients;
    state.claimsInIdToken = Boolean(body.claims_in_id_token);
    build();
  } else if (path === '/test/rotate') {
    // The new key signs; the old one stays published, as a provider does while
    // tokens signed by it may still be around.
    state.keys = [await newKey(), ...state.keys];
    build();
  } else if (path === '/test/tamper') {
    state.tamper = body;
  } else {
    return send(res, 404, 'text/plain', 'no such control');
  }
  return send(res, 200, 'application/json', JSON.stringify({ kids: state.keys.map((k) => k.kid) }));
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return send(res, 400, 'text/plain', 'interaction mismatch');
  if (req.method === 'GET') {
    return send(res, 200, 'text/html', `<!doctype html><title>Test provider</title>
<form method="post" action="/interaction/${uid}/login">
<label>sub <input name="sub"></label> <label>email <input name="email"></label>
<label>verified <input name="email_verified" value="true"></label> <button>Sign in</button></form>`);
  }
  if (action !== 'login') return send(res, 404, 'text/plain', 'no such action');
  const form = new URLSearchParams(await readBody(req));
  const sub = form.get('sub');
  accounts.set(sub, {
    email: form.get('email'),
    email_verified: form.get('email_verified') === 'true',
    name: form.get('name') || form.get('email'),
  });
  const grant = new provider.Grant({ accountId: sub, clientId: details.params.client_id });
  grant.addOIDCScope(details.params.scope);
  const grantId = await grant.save();
  return provider.interactionFinished(req, res, { login: { accountId: sub }, consent: { grantId } }, {
    mergeWithLastSubmission: false,
  });
}

const server = http.createServer(async (req, res) => {
  try {
    const path = new URL(req.url, issuer).pathname;
    if (path.startsWith('/test/') && req.method === 'POST') return await control(req, res, path);
    const m = path.match(/^\/interaction\/([^/]+)(?:\/([a-z]+))?$/);
    if (m) return await interaction(req, res, m[1], m[2]);
    return provider.callback()(req, res);
  } catch (e) {
    return send(res, 500, 'text/plain', String(e && e.stack ? e.stack : e));
  }
});

process.stdout.on('error', () => {});

server.listen(0, '127.0.0.1', async () => {
  issuer = `http://127.0.0.1:${server.address().port}`;
  state.keys = [await newKey()];
  build();
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});
