#!/usr/bin/env python3
"""Loads a kyso office with generated documents for scripts/bench-archive.sh.

usage: bench-archive-load.py BASE_URL N [KB]
Logs in as the administrator `quantri` (password in KYSO_ADMIN_PASSWORD),
makes a clerk `vanthu.bench` of the top agency once, then creates N draft
documents (one-signature flow), each with a distinct PDF of about KB KiB
(default 100), so that each is a new blob.
"""
import json
import os
import sys

import requests

base, n = sys.argv[1], int(sys.argv[2])
kb = int(sys.argv[3]) if len(sys.argv) > 3 else 100
pw = os.environ["KYSO_ADMIN_PASSWORD"]


def session(user):
    s = requests.Session()
    r = s.post(f"{base}/api/v1/auth/login", json={"username": user, "password": pw})
    r.raise_for_status()
    s.headers["x-csrf-token"] = r.json()["csrf"]
    return s


admin = session("quantri")
me = admin.get(f"{base}/api/v1/me").json()
agency = me["memberships"][0]["agency_id"]
r = admin.post(
    f"{base}/api/v1/people",
    json={
        "username": "vanthu.bench",
        "full_name": "Văn thư đo hiệu năng",
        "email": "vanthu.bench@example.gov.vn",
        "password": pw,
        "memberships": [{"agency_id": agency, "role": "clerk"}],
    },
)
if r.status_code not in (201, 409):
    sys.exit(f"create clerk: {r.status_code} {r.text}")
clerk = session("vanthu.bench")


def pdf(i):
    pad = os.urandom(kb * 1024).hex()[: kb * 1024]
    content = f"BT /F1 12 Tf 72 720 Td (Cong van so {i}) Tj ET".encode()
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.7\n%" + pad.encode() + b"\n")
    offs = []
    for k, o in enumerate(objs, 1):
        offs.append(len(out))
        out += b"%d 0 obj\n" % k + o + b"\nendobj\n"
    x = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for o in offs:
        out += b"%010d 00000 n \n" % o
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, x)
    return bytes(out)


for i in range(n):
    meta = {
        "type_code": "CV",
        "subject": f"Công văn đo hiệu năng số {i}",
        "category": "cong-van",
        "recipients": [],
    }
    r = clerk.post(
        f"{base}/api/v1/documents",
        data={"agency_id": str(agency), "flow": "seal"},
        files={
            "metadata": (None, json.dumps(meta), "application/json"),
            "file": (f"cv-{i}.pdf", pdf(i), "application/pdf"),
        },
    )
    if r.status_code != 201:
        sys.exit(f"document {i}: {r.status_code} {r.text}")
