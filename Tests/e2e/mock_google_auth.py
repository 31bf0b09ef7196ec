"""Google side of the mock: the OAuth2 token endpoint, Bearer-token checks, Google's error envelope.

Token endpoint ``POST {prefix}/token`` (any prefix), like https://oauth2.googleapis.com/token for
a service account (JWT bearer grant, RFC 7523):

* body ``application/x-www-form-urlencoded``:
  ``grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<JWT>``;
* the JWT is checked in this order, each failure a 400 in Google's OAuth shape
  ``{"error": ..., "error_description": ...}``:
    grant_type wrong -> ``unsupported_grant_type``; assertion missing -> ``invalid_request``;
    not three base64url JSON parts -> ``invalid_grant`` "Invalid JWT: ...";
    header ``alg`` not RS256, ``kid`` not the registered ``private_key_id`` (when one was
    registered), no registered key, or a signature that no registered public key verifies
    (RSASSA-PKCS1-v1_5 + SHA-256) -> ``invalid_grant`` "Invalid JWT Signature.";
    ``iss`` not the registered ``client_email`` (when one was registered) ->
    ``invalid_grant`` "Invalid grant: account not found";
    ``iat``/``exp`` missing, ``exp - iat > 3600``, ``exp`` in the past or ``iat`` more than 300 s
    in the future -> ``invalid_grant`` "Invalid JWT: Token must be a short-lived token (60
    minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.";
    ``aud`` neither exactly the URL the client posted to (``http://<Host header><path>``) nor
    one of Google's token URLs (``https://oauth2.googleapis.com/token``,
    ``https://www.googleapis.com/oauth2/v4/token``: Google accepts them, and google-auth always
    sends the first, even with another token_uri) -> ``invalid_grant`` "Invalid JWT: Failed
    audience check. The right audience is <url>";
    ``scope`` not containing ``https://www.googleapis.com/auth/cloud-platform`` ->
    ``invalid_scope`` "Invalid OAuth scope or ID token audience provided.";
* success: 200 ``{"access_token": "ya29.mock-<hex>", "expires_in": N, "token_type": "Bearer"}``,
  N = the account's ``expires_in``, else ``--token-expires-in`` (default 3599). The token
  is valid on the Vertex paths until N seconds after issue. The call record carries
  ``jwt: {header, claims}`` and ``grant: "issued" | <error code>``.

Public keys (PEM, ``BEGIN PUBLIC KEY`` or ``BEGIN RSA PUBLIC KEY``) come from
``--google-sa-public-key PATH`` (repeatable; ``--google-sa-email`` / ``--google-sa-key-id`` pin
the ``iss`` / ``kid`` of those keys) or at run time from
``POST /_mock/google/service-accounts`` with JSON ``{"public_key_pem": ..., "client_email"?: ...,
"private_key_id"?: ..., "expires_in"?: N}`` (what ``google_sa.py`` registers). The RS256
verification is done in pure Python (no third-party package needed).

Bearer check (Vertex AI paths): ``Authorization: Bearer <token>`` must be a token this mock issued
and not expired, else 401 ``UNAUTHENTICATED`` in Google's envelope with an ``ErrorInfo`` detail,
reason ``CREDENTIALS_MISSING`` (no token), ``ACCESS_TOKEN_TYPE_UNSUPPORTED`` (unknown token) or
``ACCESS_TOKEN_EXPIRED``, and ``www-authenticate: Bearer realm="https://accounts.google.com/"``.
"""
from __future__ import annotations

import base64
import hashlib
import json
import time
import urllib.parse
import uuid

CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
MAX_LIFETIME_S, CLOCK_SKEW_S = 3600, 300
# Google accepts its own token URLs as audience whatever URL was posted to (google-auth always
# puts the first one in its assertions, even when the key file's token_uri differs).
GOOGLE_TOKEN_URLS = ("https://oauth2.googleapis.com/token", "https://www.googleapis.com/oauth2/v4/token")

GOOGLE_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
                 409: "ABORTED", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE",
                 504: "DEADLINE_EXCEEDED"}


def google_error(code: int, message: str, status: str | None = None, details: list | None = None) -> dict:
    """Google's error envelope ``{"error": {"code", "message", "status", "details"?}}``."""
    err = {"code": code, "message": message, "status": status or GOOGLE_STATUS.get(code, "UNKNOWN")}
    if details:
        err["details"] = details
    return {"error": err}


def error_info(reason: str, domain: str = "googleapis.com", **metadata) -> dict:
    return {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason, "domain": domain,
            "metadata": metadata}


# ---------------------------------------------------------------------------------------------
# Bearer tokens
# ---------------------------------------------------------------------------------------------

AUTH_HELP = ("Expected OAuth 2 access token, login cookie or other valid authentication credential. See "
             "https://developers.google.com/identity/sign-in/web/devconsole-project.")


def unauthenticated(reason: str, service: str = "aiplatform.googleapis.com") -> tuple:
    """401 UNAUTHENTICATED as Google sends it: (status, body, headers)."""
    lead = ("Request is missing required authentication credential." if reason == "CREDENTIALS_MISSING"
            else "Request had invalid authentication credentials.")
    return 401, google_error(401, f"{lead} {AUTH_HELP}", details=[error_info(reason, service=service)]), [
        ("www-authenticate", 'Bearer realm="https://accounts.google.com/"')]


def check_bearer(mock, req, call: dict, service: str = "aiplatform.googleapis.com"):
    """None when the request carries a live mock-issued token, else (401, Google body, headers)."""
    token = req.bearer()
    if token is None:
        return unauthenticated("CREDENTIALS_MISSING", service)
    call["auth_style"] = "bearer"
    expiry = mock.google_tokens.get(token)
    if expiry is None:
        return unauthenticated("ACCESS_TOKEN_TYPE_UNSUPPORTED", service)
    if expiry < time.time():
        return unauthenticated("ACCESS_TOKEN_EXPIRED", service)
    call["auth_ok"] = True
    return None


# ---------------------------------------------------------------------------------------------
# RS256 verification, standard library only
# ---------------------------------------------------------------------------------------------

def _der(data: bytes, at: int) -> tuple[int, bytes, int]:
    """One DER TLV at ``at``: (tag, value, next offset)."""
    tag, length = data[at], data[at + 1]
    at += 2
    if length & 0x80:
        n = length & 0x7F
        length, at = int.from_bytes(data[at:at + n], "big"), at + n
    return tag, data[at:at + length], at + length


def _der_seq(value: bytes) -> list[tuple[int, bytes]]:
    out, at = [], 0
    while at < len(value):
        tag, v, at = _der(value, at)
        out.append((tag, v))
    return out


def rsa_public_numbers(pem: str) -> tuple[int, int]:
    """(n, e) of a PEM ``PUBLIC KEY`` (SubjectPublicKeyInfo) or ``RSA PUBLIC KEY`` (PKCS#1)."""
    lines = [ln.strip() for ln in pem.strip().splitlines()]
    kind = lines[0]
    der = base64.b64decode("".join(ln for ln in lines if ln and not ln.startswith("-----")))
    _, body, _ = _der(der, 0)
    items = _der_seq(body)
    if "RSA PUBLIC KEY" not in kind:  # SPKI: SEQUENCE { algorithm, BIT STRING { RSAPublicKey } }
        bits = items[1][1]
        _, body, _ = _der(bits[1:], 0)  # skip the unused-bits byte
        items = _der_seq(body)
    return int.from_bytes(items[0][1], "big"), int.from_bytes(items[1][1], "big")


SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")


def rs256_verify(n: int, e: int, message: bytes, signature: bytes) -> bool:
    k = (n.bit_length() + 7) // 8
    if len(signature) != k:
        return False
    em = pow(int.from_bytes(signature, "big"), e, n).to_bytes(k, "big")
    t = SHA256_DIGEST_INFO + hashlib.sha256(message).digest()
    return em == b"\x00\x01" + b"\xff" * (k - len(t) - 3) + b"\x00" + t


def b64url(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


# ---------------------------------------------------------------------------------------------
# The token endpoint
# ---------------------------------------------------------------------------------------------

def register_account(mock, spec: dict) -> dict:
    """Add a service account's public key (see the module docstring); returns what was stored."""
    n, e = rsa_public_numbers(spec["public_key_pem"])
    acct = {"n": n, "e": e, "client_email": spec.get("client_email"), "private_key_id": spec.get("private_key_id"),
            "expires_in": spec.get("expires_in")}
    mock.google_accounts.append(acct)
    return {"client_email": acct["client_email"], "private_key_id": acct["private_key_id"],
            "expires_in": acct["expires_in"], "accounts": len(mock.google_accounts)}


def _oauth_error(error: str, description: str) -> tuple:
    return 400, {"error": error, "error_description": description}


def grant(mock, req, call: dict) -> tuple:
    """Validate a JWT-bearer grant; returns (status, body)."""
    if req.content_type != "application/x-www-form-urlencoded":
        return _oauth_error("invalid_request", "Invalid request: Content-Type must be "
                                               "application/x-www-form-urlencoded.")
    form = {k: v[0] for k, v in urllib.parse.parse_qs(req.body.decode("utf-8", "replace"),
                                                      keep_blank_values=True).items()}
    call["body"] = form
    if form.get("grant_type") != JWT_GRANT:
        return _oauth_error("unsupported_grant_type", f"Invalid grant_type: {form.get('grant_type', '')}")
    assertion = form.get("assertion")
    if not assertion:
        return _oauth_error("invalid_request", "Missing required parameter: assertion")
    parts = assertion.split(".")
    try:
        header, claims = json.loads(b64url(parts[0])), json.loads(b64url(parts[1]))
        signature = b64url(parts[2])
        if len(parts) != 3 or not isinstance(header, dict) or not isinstance(claims, dict):
            raise ValueError
    except (ValueError, IndexError, UnicodeDecodeError):
        return _oauth_error("invalid_grant", "Invalid JWT: the assertion is not a signed JWT (3 base64url parts).")
    call["jwt"] = {"header": header, "claims": claims}
    bad_sig = _oauth_error("invalid_grant", "Invalid JWT Signature.")
    if header.get("alg") != "RS256":
        return bad_sig
    accounts = [a for a in mock.google_accounts if not a["private_key_id"] or a["private_key_id"] == header.get("kid")]
    if not accounts:
        return bad_sig
    named = [a for a in accounts if not a["client_email"] or a["client_email"] == claims.get("iss")]
    if not named:
        return _oauth_error("invalid_grant", "Invalid grant: account not found")
    signing_input = (parts[0] + "." + parts[1]).encode("ascii")
    acct = next((a for a in named if rs256_verify(a["n"], a["e"], signing_input, signature)), None)
    if acct is None:
        return bad_sig
    now = time.time()
    iat, exp = claims.get("iat"), claims.get("exp")
    if (not isinstance(iat, (int, float)) or not isinstance(exp, (int, float)) or exp - iat > MAX_LIFETIME_S
            or exp <= now or iat > now + CLOCK_SKEW_S or exp <= iat):
        return _oauth_error("invalid_grant", "Invalid JWT: Token must be a short-lived token (60 minutes) and in a "
                                             "reasonable timeframe. Check your iat and exp values in the JWT claim.")
    url = f"http://{req.headers.get('host', '')}{req.path}"
    if claims.get("aud") not in (url,) + GOOGLE_TOKEN_URLS:
        return _oauth_error("invalid_grant", f"Invalid JWT: Failed audience check. The right audience is {url}")
    if CLOUD_PLATFORM not in str(claims.get("scope", "")).split():
        return _oauth_error("invalid_scope", "Invalid OAuth scope or ID token audience provided.")
    lifetime = acct["expires_in"] if acct["expires_in"] is not None else mock.token_expires_in
    token = "ya29.mock-" + uuid.uuid4().hex
    mock.google_tokens[token] = now + lifetime
    call["auth_ok"] = True
    return 200, {"access_token": token, "expires_in": lifetime, "token_type": "Bearer"}


async def handle_token(ex) -> bool:
    ex.call["family"] = "google-token"
    if ex.req.method != "POST":
        return await ex.json(405, {"error": "invalid_request", "error_description": "Method not allowed: use POST"})
    status, body = grant(ex.mock, ex.req, ex.call)
    ex.call["grant"] = "issued" if status == 200 else body["error"]
    return await ex.json(status, body, [("cache-control", "no-cache, no-store, max-age=0, must-revalidate"),
                                        ("pragma", "no-cache")])
