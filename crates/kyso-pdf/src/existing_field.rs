//! Signing into an empty signature field that an earlier revision
//! created and placed (DESIGN §6, the clerk's seal): the update adds the
//! signature dictionary as the field's `/V` and the widget's appearance,
//! and nothing else — no new field, no new annotation.
use lopdf::{dictionary, IncrementalDocument, Object, ObjectId};

use crate::appearance::Appearance;
use crate::field::{Placement, SignatureRequest};
use crate::form::{self, Field, FieldKind};
use crate::mdp::FieldLock;
use crate::{appearance, PdfError};

fn is_empty_signature_field(inc_prev: &lopdf::Document, f: &Field) -> bool {
    f.kind == FieldKind::Signature
        && inc_prev
            .get_object(f.id)
            .and_then(Object::as_dict)
            .is_ok_and(|d| !d.has(b"V"))
}

/// The existing field `req` signs into, if any: the field named by
/// `field_name` when it is an empty signature field and the placement is
/// [`Placement::InField`] or [`Placement::Invisible`]. A name that is
/// taken otherwise is an error.
pub(crate) fn target<'a>(
    fields: &'a [Field],
    req: &SignatureRequest,
) -> Result<Option<&'a Field>, PdfError> {
    let in_field = matches!(req.placement, Placement::InField { .. });
    let Some(name) = &req.field_name else {
        if in_field {
            return Err(PdfError::InvalidOption(
                "ký vào trường có sẵn cần tên trường / signing into an existing field needs its name"
                    .into(),
            ));
        }
        return Ok(None);
    };
    let Some(f) = fields.iter().find(|f| f.name == *name) else {
        if in_field {
            return Err(PdfError::NoSuchField(name.clone()));
        }
        return Ok(None);
    };
    if f.kind != FieldKind::Signature {
        return Err(PdfError::InvalidOption(format!(
            "trường '{name}' không phải trường chữ ký / field '{name}' is not a signature field"
        )));
    }
    if matches!(req.placement, Placement::Visible { .. }) {
        return Err(PdfError::FieldExists(name.clone()));
    }
    if f.widgets.len() != 1 {
        return Err(PdfError::InvalidOption(format!(
            "trường chữ ký '{name}' có {} widget (cần đúng 1) / signature field '{name}' has {} widgets (exactly one expected)",
            f.widgets.len(),
            f.widgets.len()
        )));
    }
    Ok(Some(f))
}

/// Checks that the target is still empty (by the previous revisions).
fn check_empty(inc: &IncrementalDocument, f: &Field) -> Result<(), PdfError> {
    if !is_empty_signature_field(inc.get_prev_documents(), f) {
        return Err(PdfError::FieldSigned(f.name.clone()));
    }
    Ok(())
}

/// The `/Lock` an existing signature field carries.
pub(crate) fn field_lock(
    inc: &IncrementalDocument,
    f: &Field,
) -> Result<Option<FieldLock>, PdfError> {
    let d = form::current(inc, f.id)?.as_dict()?;
    let lock = match d.get(b"Lock") {
        Ok(o) => match inc.get_prev_documents().dereference(o) {
            Ok((_, Object::Dictionary(l))) => FieldLock::from_dict(l),
            _ => None,
        },
        Err(_) => None,
    };
    Ok(lock)
}

/// Set the field's `/V` to `sig` and give its widget an appearance over
/// its own rectangle.
pub(crate) fn sign_into(
    inc: &mut IncrementalDocument,
    f: &Field,
    sig: ObjectId,
    look: Option<&Appearance>,
) -> Result<(), PdfError> {
    check_empty(inc, f)?;
    let widget = f.widgets[0];
    let rect = form::rect_of(form::current(inc, widget)?.as_dict()?)?;
    form::dict_mut(inc, f.id)?.set("V", sig);
    if rect.width() > 0.0 && rect.height() > 0.0 {
        let empty;
        let look = match look {
            Some(l) => l,
            None => {
                empty = Appearance::new(crate::Font::liberation_serif());
                &empty
            }
        };
        let ap: ObjectId =
            appearance::write_appearance(&mut inc.new_document, rect.width(), rect.height(), look)?;
        form::dict_mut(inc, widget)?.set("AP", dictionary! { "N" => ap });
    }
    Ok(())
}
