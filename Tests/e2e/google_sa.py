"""Throwaway Google service accounts for tests against the mock's OAuth token endpoint.

``make_service_account(directory, token_uri)`` creates a fresh RSA-2048 key pair (with the
``cryptography`` package, else the ``openssl`` CLI) and writes, into ``directory`` (a pytest
tmp dir -- never commit a key):

  service-account.json  what a user downloads from Google Cloud: type service_account,
                        project_id, private_key_id, private_key (PKCS#8 PEM), client_email,
                        client_id, auth_uri, token_uri (= the mock's ``/token`` URL) ...
  public.pem            the public key (SubjectPublicKeyInfo PEM), for ``--google-sa-public-key``

``register(mock_base, sa)`` tells a running mock about it at run time
(``POST /_mock/google/service-accounts``), pinning ``iss`` and ``kid`` like Google does.
``sign_jwt(sa, claims)`` mints an RS256 assertion by hand (for negative tests).
"""
from __future__ import annotations

import base64
import json
import shutil
import subprocess
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"


@dataclass
class ServiceAccount:
    path: Path            # service-account.json
    public_key_path: Path
    info: dict            # the JSON's content
    public_pem: str

    @property
    def private_pem(self) -> str:
        return self.info["private_key"]


def _keypair() -> tuple[str, str]:
    """(PKCS#8 private PEM, SPKI public PEM)."""
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
    except ImportError:
        if not shutil.which("openssl"):
            raise RuntimeError("need the cryptography package or the openssl CLI to make a test key") from None
        priv = subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
                              check=True, capture_output=True, text=True).stdout
        pub = subprocess.run(["openssl", "pkey", "-pubout"], input=priv, check=True, capture_output=True,
                             text=True).stdout
        return priv, pub
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    priv = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()
    pub = key.public_key().public_bytes(serialization.Encoding.PEM,
                                        serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return priv, pub


def make_service_account(directory: Path, token_uri: str, project_id: str = "mock-project",
                         name: str = "routero-e2e") -> ServiceAccount:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    priv, pub = _keypair()
    email = f"{name}@{project_id}.iam.gserviceaccount.com"
    info = {"type": "service_account", "project_id": project_id, "private_key_id": uuid.uuid4().hex + "0" * 8,
            "private_key": priv, "client_email": email, "client_id": str(uuid.uuid4().int)[:21],
            "auth_uri": "https://accounts.google.com/o/oauth2/auth", "token_uri": token_uri,
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "client_x509_cert_url": f"https://www.googleapis.com/robot/v1/metadata/x509/{email}",
            "universe_domain": "googleapis.com"}
    path, pub_path = directory / "service-account.json", directory / "public.pem"
    path.write_text(json.dumps(info, indent=2))
    path.chmod(0o600)
    pub_path.write_text(pub)
    return ServiceAccount(path, pub_path, info, pub)


def register(mock_base: str, sa: ServiceAccount, expires_in: int | None = None) -> dict:
    spec = {"public_key_pem": sa.public_pem, "client_email": sa.info["client_email"],
            "private_key_id": sa.info["private_key_id"], "expires_in": expires_in}
    req = urllib.request.Request(mock_base + "/_mock/google/service-accounts", data=json.dumps(spec).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=5) as r:
        return json.load(r)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def default_claims(sa: ServiceAccount, lifetime: int = 3600) -> dict:
    now = int(time.time())
    return {"iss": sa.info["client_email"], "scope": CLOUD_PLATFORM, "aud": sa.info["token_uri"],
            "iat": now, "exp": now + lifetime}


def sign_jwt(sa: ServiceAccount, claims: dict | None = None, header: dict | None = None,
             private_pem: str | None = None) -> str:
    """An RS256 JWT over ``claims`` (default: a valid grant), signed with ``private_pem`` (default:
    the account's key) -- needs the cryptography package."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding
    head = header or {"alg": "RS256", "typ": "JWT", "kid": sa.info["private_key_id"]}
    body = claims if claims is not None else default_claims(sa)
    signing_input = _b64url(json.dumps(head).encode()) + "." + _b64url(json.dumps(body).encode())
    key = serialization.load_pem_private_key((private_pem or sa.private_pem).encode(), password=None)
    return signing_input + "." + _b64url(key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256()))
