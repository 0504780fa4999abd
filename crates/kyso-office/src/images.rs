//! Decoded PNG images (seal images, specimen signatures) kept per blob.
//!
//! Blobs are content-addressed and never change, so an image decoded once
//! stays right for every replica and every later document: the seal image
//! of an agency is decoded and deflated once, not once per document
//! (profiled at 4 % of the office's CPU per document before this cache).

use std::collections::HashMap;
use std::sync::Mutex;

use kyso_sign::Image;

use crate::error::{OfficeError, Result};
use crate::Office;

/// Most images kept; the cache is emptied when it is full (agencies have
/// one seal image each, people one specimen: a province fits).
const MAX_IMAGES: usize = 1024;

/// Images by the SHA-256 of their PNG blob.
#[derive(Default)]
pub(crate) struct ImageCache(Mutex<HashMap<String, Image>>);

impl Office {
    /// The image stored as blob `sha256`, decoded once per process.
    /// `what` names it in errors (e.g. "seal image").
    pub(crate) async fn png_image(&self, sha256: &str, what: &'static str) -> Result<Image> {
        if let Some(img) = self.lock_images().get(sha256) {
            return Ok(img.clone());
        }
        let png = self.blobs.get(sha256).await?;
        let img = Image::from_png(&png).map_err(|e| OfficeError::internal(what, e))?;
        let mut cache = self.lock_images();
        if cache.len() >= MAX_IMAGES {
            cache.clear();
        }
        cache.insert(sha256.to_owned(), img.clone());
        Ok(img)
    }

    fn lock_images(&self) -> std::sync::MutexGuard<'_, HashMap<String, Image>> {
        // A panic while holding the lock leaves a usable map.
        self.images.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}
