#!/usr/bin/env python3
"""Regenerate the demo TLS certificates and write secrets.yaml.

Only needed to regenerate the demo certificates for `kubeattest scan --demo`;
the generated secrets.yaml is committed and the build does not run this script.

Requires: python3, the `cryptography` package (pip install cryptography) and
the `openssl` CLI (used for the SHA-1 certificate, which recent `cryptography`
releases refuse to sign; `openssl ca` also lets us pick past start/end dates on
OpenSSL 3.0, whose `x509`/`req` lack -not_before/-not_after).

Certificates produced:
  payments/payments-tls       RSA 2048, SHA-256, SAN pay.demo.example,
                              valid 2026-01-01 .. 2036-01-01 (good)
  web/shop-tls                RSA 1024, SHA-1, CN shop.demo.example, no SAN,
                              valid 2023-01-01 .. 2024-01-01 (EXPIRED, weak)
  ingress-nginx/legacy-tls    EC P-256, SHA-256, SAN legacy.demo.example,
                              valid 2026-01-01 .. 2031-01-01 (good)

The private keys are generated in memory and thrown away. tls.key in every
Secret is a CANARY placeholder, never a real key: kubeattest must never read
or emit tls.key / Secret values, and tests grep reports for the canary.
"""
import base64
import datetime
import os
import subprocess
import tempfile

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

HERE = os.path.dirname(os.path.abspath(__file__))
CANARY_KEY = base64.b64encode(b"KUBEATTEST-CANARY-TLS-KEY-DO-NOT-LEAK").decode()
CANARY_SECRET = base64.b64encode(b"KUBEATTEST-CANARY-SECRET-VALUE").decode()


def utc(y, m, d):
    return datetime.datetime(y, m, d, tzinfo=datetime.timezone.utc)


def make_cert(key, cn, sans, not_before, not_after, hash_alg, serial):
    name = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "kubeattest demo"),
        x509.NameAttribute(NameOID.COMMON_NAME, cn),
    ])
    b = (x509.CertificateBuilder()
         .subject_name(name)
         .issuer_name(name)  # self-signed
         .public_key(key.public_key())
         .serial_number(serial)
         .not_valid_before(not_before)
         .not_valid_after(not_after))
    if sans:
        b = b.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(s) for s in sans]),
            critical=False)
        b = b.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
    cert = b.sign(key, hash_alg)
    return cert.public_bytes(serialization.Encoding.PEM)


OPENSSL_CA_CNF = """
[ ca ]
default_ca = demo
[ demo ]
dir = .
database = ./index.txt
serial = ./serial
new_certs_dir = .
default_md = sha1
policy = pol
unique_subject = no
copy_extensions = none
[ pol ]
organizationName = optional
commonName = supplied
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
O = kubeattest demo
CN = shop.demo.example
"""


def make_expired_sha1_cert():
    """RSA 1024 / sha1WithRSAEncryption / no SAN / 2023-01-01..2024-01-01."""
    with tempfile.TemporaryDirectory() as d:
        def w(name, text):
            with open(os.path.join(d, name), "w") as f:
                f.write(text)
        w("ca.cnf", OPENSSL_CA_CNF)
        w("index.txt", "")
        w("serial", "1002\n")
        run = lambda *a: subprocess.run(a, cwd=d, check=True, capture_output=True)
        run("openssl", "req", "-new", "-newkey", "rsa:1024", "-nodes",
            "-keyout", "k.pem", "-out", "r.csr", "-config", "ca.cnf")
        run("openssl", "ca", "-batch", "-config", "ca.cnf", "-selfsign",
            "-keyfile", "k.pem", "-in", "r.csr", "-out", "c.pem",
            "-startdate", "20230101000000Z", "-enddate", "20240101000000Z",
            "-md", "sha1", "-notext")
        with open(os.path.join(d, "c.pem"), "rb") as f:
            return f.read()  # k.pem is discarded with the temp dir


def tls_secret(namespace, name, labels, pem):
    lab = "".join(f"\n    {k}: {v}" for k, v in labels.items())
    return f"""apiVersion: v1
kind: Secret
metadata:
  name: {name}
  namespace: {namespace}
  labels:{lab}
type: kubernetes.io/tls
data:
  tls.crt: {base64.b64encode(pem).decode()}
  tls.key: {CANARY_KEY}
"""


def main():
    good_rsa = make_cert(
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "pay.demo.example", ["pay.demo.example"],
        utc(2026, 1, 1), utc(2036, 1, 1), hashes.SHA256(), 0x1001)
    # Deliberately weak: RSA 1024, SHA-1, no SAN, expired.
    expired = make_expired_sha1_cert()
    good_ec = make_cert(
        ec.generate_private_key(ec.SECP256R1()),
        "legacy.demo.example", ["legacy.demo.example"],
        utc(2026, 1, 1), utc(2031, 1, 1), hashes.SHA256(), 0x1003)

    docs = [
        tls_secret("payments", "payments-tls",
                   {"app.kubernetes.io/name": "payments-api", "app.kubernetes.io/part-of": "payments"},
                   good_rsa),
        tls_secret("web", "shop-tls",
                   {"app.kubernetes.io/name": "storefront", "app.kubernetes.io/part-of": "web"},
                   expired),
        tls_secret("ingress-nginx", "legacy-tls",
                   {"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller"},
                   good_ec),
        f"""apiVersion: v1
kind: Secret
metadata:
  name: ledger-db-credentials
  namespace: payments
  labels:
    app.kubernetes.io/name: ledger-db
    app.kubernetes.io/part-of: payments
type: Opaque
data:
  password: {CANARY_SECRET}
""",
        f"""apiVersion: v1
kind: Secret
metadata:
  name: db-credentials
  namespace: web
  labels:
    app.kubernetes.io/name: legacy-admin
    app.kubernetes.io/part-of: web
type: Opaque
data:
  password: {CANARY_SECRET}
""",
        f"""apiVersion: v1
kind: Secret
metadata:
  name: ci-deployer-token
  namespace: web
  annotations:
    kubernetes.io/service-account.name: ci-deployer
type: kubernetes.io/service-account-token
data:
  token: {CANARY_SECRET}
""",
    ]
    header = ("# Generated by gen-certs.py -- demo data for `kubeattest scan --demo`.\n"
              "# tls.key / password / token values are CANARY placeholders, never real keys.\n")
    with open(os.path.join(HERE, "secrets.yaml"), "w") as f:
        f.write(header + "---\n" + "---\n".join(docs))


if __name__ == "__main__":
    main()
