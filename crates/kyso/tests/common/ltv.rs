//! Long-term validation checks by pyHanko on a lab file, with online
//! fetching disabled, so that only the certificates, OCSP answers and CRLs
//! embedded in the document count, and revocation evidence required for
//! every certificate:
//! - `lt`: validation of the signature with time (ETSI EN 319 102-1 §5.5)
//!   on the embedded material (DSS and revocation-info archival attribute),
//!   as pyHanko runs it as the first step of its LTA validation;
//! - `lta`: the full LTA validation (§5.6.3), past validation included,
//!   which needs a document time-stamp covering the signature.
use std::path::{Path, PathBuf};
use std::process::Command;

use super::lab::{s, text, Peers};

/// The checker: `python ltv_check.py ROOT PDF lt|lta`; prints one line per
/// signature and exits 0 only when every signature passes.
const LTV_CHECK: &str = r#"
import asyncio, sys
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESPassed
import pyhanko.sign.validation.ades as ades
from pyhanko.sign.validation.ades import ades_lta_validation
from pyhanko.sign.validation.policy_decl import (
    CertificateFetchingRule, PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule, RevocationInfoGatheringSpec,
    SignatureValidationSpec)
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.policy_decl import (
    CertRevTrustPolicy, RevocationCheckingPolicy, RevocationCheckingRule)
from pyhanko_certvalidator.registry import SimpleTrustManager

root, pdf, profile = sys.argv[1], sys.argv[2], sys.argv[3]
rule = RevocationCheckingRule.CRL_OR_OCSP_REQUIRED
policy = CertValidationPolicySpec(
    trust_manager=SimpleTrustManager.build(
        trust_roots=[load_cert_from_pemder(root)]),
    revinfo_policy=CertRevTrustPolicy(RevocationCheckingPolicy(
        ee_certificate_rule=rule, intermediate_ca_cert_rule=rule)))
spec = PdfSignatureValidationSpec(SignatureValidationSpec(
    cert_validation_policy=policy,
    revinfo_gathering_policy=RevocationInfoGatheringSpec(
        online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY,
        certificate_fetching_rule=CertificateFetchingRule.NEVER_FETCH)))
# The with-time result (first step of the LTA validation) of each signature.
with_time = []
plain_with_time = ades.ades_with_time_validation
async def recording_with_time(*a, **kw):
    r = await plain_with_time(*a, **kw)
    with_time.append(r)
    return r
ades.ades_with_time_validation = recording_with_time
ok = True
with open(pdf, 'rb') as f:
    r = PdfFileReader(f)
    sigs = r.embedded_regular_signatures
    if not sigs:
        ok = False
    for s in sigs:
        with_time.clear()
        res = asyncio.run(ades_lta_validation(s, spec))
        if profile == 'lta':
            passed = (res.ades_subindic == AdESPassed.OK
                      and res.oldest_evidence_record_timestamp is not None)
        else:
            res = with_time[0] if with_time else res
            passed = (res.ades_subindic == AdESPassed.OK
                      and res.best_signature_time is not None)
        ok = ok and passed
        print('LTV', profile, s.field_name, 'PASSED' if passed else 'FAILED',
              res.ades_subindic, res.failure_msg, 'time', res.best_signature_time)
sys.exit(0 if ok else 1)
"#;

/// pyHanko's executable beside the test venv's Python.
pub fn pyhanko_exe(peers: &Peers) -> Option<PathBuf> {
    let py = peers.python.as_ref()?;
    Some(Path::new(py).parent().unwrap().join("pyhanko"))
}

/// pyHanko's strict LTV verdict on every signature of `pdf`, using only
/// embedded validation material: with time at the signature time-stamp
/// (B-LT), or, with `lta`, the full LTA validation with a document
/// time-stamp covering the signatures (B-LTA). (passed, output); None
/// without pyHanko.
pub fn pyhanko_ltv(peers: &Peers, pdf: &Path, lta: bool) -> Option<(bool, String)> {
    let py = peers.python.as_ref()?;
    let script = peers.dir.join("ltv_check.py");
    if !script.exists() {
        std::fs::write(&script, LTV_CHECK).unwrap();
    }
    let o = Command::new(py)
        .current_dir(&peers.dir)
        .args([
            s(&script),
            "root.pem",
            s(pdf),
            if lta { "lta" } else { "lt" },
        ])
        .output()
        .expect("python");
    Some((o.status.success(), text(&o)))
}
