//! `kyso sign` flags for the visible Vietnamese signatures (`--as`,
//! images, `--anchor`, `--number`, `--copy-form`, `--font`) and the
//! layout they ask for (kyso-sign `place`).
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use der::{Decode, Tag, Tagged};
use kyso_sign::{
    AppearanceKind, AppearanceRequest, Font, Image, OpenedPdf, Placement, Rect, Target,
};
use time::OffsetDateTime;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::Certificate;

const OID_O: der::asn1::ObjectIdentifier = der::asn1::ObjectIdentifier::new_unwrap("2.5.4.10");
const OID_EMAIL: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.1");
const OID_SAN: der::asn1::ObjectIdentifier = der::asn1::ObjectIdentifier::new_unwrap("2.5.29.17");

/// Largest image or font file read.
const MAX_FILE: u64 = 32 * 1024 * 1024;

#[derive(clap::Args, Debug, Default)]
pub struct AppearanceArgs {
    /// Visible signature of Decree 30/2020: person (approver, box 7c),
    /// organization (seal, box 8), attachment (top right, number and
    /// time) or copy (electronic copy, box 14).
    #[arg(long = "as", value_name = "KIND")]
    pub kind: Option<AppearanceKind>,
    /// Handwritten specimen image for --as person (PNG, blue, with alpha).
    #[arg(long, value_name = "FILE.png")]
    pub signature_image: Option<PathBuf>,
    /// Seal image for --as organization (PNG, red, with alpha), shown at
    /// its real size from the PNG's resolution (pHYs; 96 dpi if absent).
    #[arg(long, value_name = "FILE.png")]
    pub seal_image: Option<PathBuf>,
    /// Place the box above this text (the signer's name, box 7b), found
    /// on the last page first.
    #[arg(long, value_name = "TEXT")]
    pub anchor: Option<String>,
    /// Number and code of the document for --as attachment, e.g. "123/QĐ-UBND".
    #[arg(long)]
    pub number: Option<String>,
    /// Copy form for --as copy: "SAO Y", "SAO LỤC" or "TRÍCH SAO".
    #[arg(long)]
    pub copy_form: Option<String>,
    /// TrueType font for the text (default: the bundled Liberation Serif).
    #[arg(long, value_name = "FILE.ttf")]
    pub font: Option<PathBuf>,
    /// Official e-mail shown (default: from the certificate).
    #[arg(long)]
    pub email: Option<String>,
}

fn read_limited(path: &Path, what: &str) -> Result<Vec<u8>> {
    let len = std::fs::metadata(path)
        .with_context(|| format!("không đọc được {what} / cannot read {}", path.display()))?
        .len();
    if len > MAX_FILE {
        bail!(
            "{what} quá lớn / file too large: {} ({len} bytes)",
            path.display()
        );
    }
    std::fs::read(path)
        .with_context(|| format!("không đọc được {what} / cannot read {}", path.display()))
}

fn attribute(cert: &Certificate, oid: der::asn1::ObjectIdentifier) -> Option<String> {
    let atv = cert
        .tbs_certificate
        .subject
        .0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .find(|atv| atv.oid == oid)?;
    match atv.value.tag() {
        Tag::Utf8String | Tag::PrintableString | Tag::Ia5String | Tag::TeletexString => {
            String::from_utf8(atv.value.value().to_vec()).ok()
        }
        Tag::BmpString => {
            let units: Vec<u16> = atv
                .value
                .value()
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16(&units).ok()
        }
        _ => None,
    }
}

/// The certificate's e-mail: subjectAltName rfc822Name, else the
/// subject's emailAddress.
fn email(cert: &Certificate) -> Option<String> {
    let san = kyso_pki::certificate::find_extension(cert, OID_SAN)
        .and_then(|e| SubjectAltName::from_der(e.extn_value.as_bytes()).ok());
    san.and_then(|s| {
        s.0.into_iter().find_map(|g| match g {
            GeneralName::Rfc822Name(m) => Some(m.to_string()),
            _ => None,
        })
    })
    .or_else(|| attribute(cert, OID_EMAIL))
}

/// The visible placement the flags ask for, or `None` when they ask for
/// none (then `--page/--rect` alone keep the plain person box).
pub fn placement(
    a: &AppearanceArgs,
    pdf: &mut OpenedPdf,
    cert: &Certificate,
    signer_name: &str,
    when: OffsetDateTime,
    page_rect: Option<(u32, Rect)>,
    field: Option<&str>,
) -> Result<Option<Placement>> {
    if a.kind.is_none()
        && page_rect.is_none()
        && (a.signature_image.is_some() || a.seal_image.is_some() || a.anchor.is_some())
    {
        bail!("--signature-image/--seal-image/--anchor cần --as KIND / need --as KIND");
    }
    let kind = match (a.kind, page_rect) {
        (Some(k), _) => k,
        (None, Some(_)) => AppearanceKind::Person,
        (None, None) => return Ok(None),
    };
    let image_path = match kind {
        AppearanceKind::Person => {
            if a.seal_image.is_some() {
                bail!("--seal-image dùng với --as organization / --seal-image is for --as organization");
            }
            a.signature_image.as_deref()
        }
        AppearanceKind::Organization => {
            if a.signature_image.is_some() {
                bail!(
                    "--signature-image dùng với --as person / --signature-image is for --as person"
                );
            }
            a.seal_image.as_deref()
        }
        _ => {
            if a.signature_image.is_some() || a.seal_image.is_some() {
                bail!("chữ ký phụ lục và bản sao không có ảnh / attachment and copy signatures show no image");
            }
            None
        }
    };
    let image = match image_path {
        Some(p) => Some(
            Image::from_png(&read_limited(p, "ảnh / the image")?)
                .with_context(|| p.display().to_string())?,
        ),
        None => None,
    };
    let font = match &a.font {
        Some(p) => Font::from_bytes(read_limited(p, "phông / the font")?)
            .with_context(|| p.display().to_string())?,
        None => Font::liberation_serif(),
    };
    let req = AppearanceRequest {
        kind,
        signer_name: signer_name.to_string(),
        organization: attribute(cert, OID_O),
        email: a.email.clone().or_else(|| email(cert)),
        signing_time: when,
        image,
        number: a.number.clone(),
        copy_form: a.copy_form.clone(),
        font,
    };
    // Signing into an existing, placed field: the appearance fills its box.
    if let (None, None, Some(name)) = (page_rect, &a.anchor, field) {
        if let Some(rect) = pdf.signature_field_rect(name)? {
            let appearance = kyso_sign::appearance_for_box(pdf, &req, rect.width(), rect.height())?;
            return Ok(Some(Placement::InField {
                appearance: Box::new(appearance),
            }));
        }
    }
    let target = match (page_rect, &a.anchor) {
        (Some(_), Some(_)) => {
            bail!("--anchor hoặc --rect, không cả hai / --anchor or --rect, not both")
        }
        (Some((page, rect)), None) => Target::Rect { page, rect },
        (None, Some(t)) => Target::Anchor(t.clone()),
        (None, None) => Target::Auto,
    };
    let placed = kyso_sign::place(pdf, &req, &target)?;
    for n in &placed.notes {
        eprintln!("{n}");
    }
    eprintln!(
        "Ô chữ ký / signature box: trang / page {}, [{:.0} {:.0} {:.0} {:.0}]",
        placed.page, placed.rect.x1, placed.rect.y1, placed.rect.x2, placed.rect.y2
    );
    Ok(Some(placed.placement))
}
