//! A handover record as kept: the sealed PDF made by
//! [`crate::Office::handover_record`], read back from the blob store for
//! whoever may see the device (its keepers and its holder), without
//! sealing it again.

use super::device::HandoverView;
use crate::actor::Actor;
use crate::error::{OfficeError, Result};
use crate::Office;

impl Office {
    /// The kept record of handover `handover_id` of device `device_id`,
    /// or not-found when none was made (or the device is not the
    /// actor's to see).
    pub async fn kept_handover_record(
        &self,
        actor: &Actor,
        device_id: i64,
        handover_id: i64,
    ) -> Result<Vec<u8>> {
        let d = self.device(actor, device_id).await?;
        let sha = d
            .handovers
            .iter()
            .find(|h: &&HandoverView| h.id == handover_id)
            .and_then(|h| h.record_sha256.clone())
            .ok_or_else(|| OfficeError::not_found("biên bản bàn giao", "handover record"))?;
        let bytes =
            self.blobs.get(&sha).await.map_err(|e| {
                OfficeError::internal("handover record", format!("blob {sha}: {e}"))
            })?;
        Ok(bytes.to_vec())
    }
}
