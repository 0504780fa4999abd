#!/usr/bin/env python3
"""Write a test PDF for scripts/bench-pdf.sh without any library.

    bench-pdf-gen.py OUT.pdf PAGES [IMAGE_BYTES_PER_PAGE]

Every page shows a line of text (Helvetica); with IMAGE_BYTES_PER_PAGE
every page also draws its own uncompressed DeviceGray image of about that
many bytes of random (incompressible) data, so that a ~200 MB or 1 GB
file is mostly stream payload, as scanned documents are. The images are
written in 1 MiB chunks: the generator never holds a whole image. Classic
cross-reference table.
"""
import math
import os
import sys


def main():
    out, pages = sys.argv[1], int(sys.argv[2])
    image_bytes = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    side = int(math.isqrt(image_bytes)) if image_bytes else 0
    offsets = {}
    with open(out, "wb") as f:

        def obj(num, body):
            offsets[num] = f.tell()
            f.write(b"%d 0 obj\n" % num + body + b"\nendobj\n")

        f.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        per_page = 3 if side else 2
        first = 4
        kids = b" ".join(b"%d 0 R" % (first + i * per_page) for i in range(pages))
        obj(1, b"<< /Type /Catalog /Pages 2 0 R >>")
        obj(2, b"<< /Type /Pages /Count %d /Kids [%s] >>" % (pages, kids))
        obj(3, b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
        for i in range(pages):
            page, content, image = (first + i * per_page + k for k in range(3))
            xobj = b" /XObject << /Im1 %d 0 R >>" % image if side else b""
            obj(
                page,
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R"
                b" /Resources << /Font << /F1 3 0 R >>%s >> >>" % (content, xobj),
            )
            text = b"BT /F1 14 Tf 72 780 Td (Trang %d / page %d of the kyso benchmark) Tj ET\n" % (
                i + 1,
                i + 1,
            )
            if side:
                text += b"q 450 0 0 450 72 200 cm /Im1 Do Q\n"
            obj(content, b"<< /Length %d >>\nstream\n" % len(text) + text + b"endstream")
            if side:
                n = side * side
                offsets[image] = f.tell()
                f.write(
                    b"%d 0 obj\n<< /Type /XObject /Subtype /Image /Width %d /Height %d"
                    b" /ColorSpace /DeviceGray /BitsPerComponent 8 /Length %d >>\nstream\n"
                    % (image, side, side, n)
                )
                left = n
                while left:
                    chunk = min(left, 1 << 20)
                    f.write(os.urandom(chunk))
                    left -= chunk
                f.write(b"\nendstream\nendobj\n")
        size = max(offsets) + 1
        xref = f.tell()
        f.write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
        for n in range(1, size):
            f.write(b"%010d 00000 n \n" % offsets[n])
        f.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref))


if __name__ == "__main__":
    main()
