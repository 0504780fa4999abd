//! Long-term validation checks by pyHanko on a lab file: its AdES LTA
//! validation (ETSI EN 319 102-1 §5.6.3) with online fetching disabled, so
//! that only the certificates, OCSP answers and CRLs embedded in the
//! document count, and revocation evidence required for every
//! certificate.
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
ok = True
with open(pdf, 'rb') as f:
    r = PdfFileReader(f)
    sigs = r.embedded_regular_signatures
    if not sigs:
        ok = False
    for s in sigs:
        res = asyncio.run(ades_lta_validation(s, spec))
        passed = res.ades_subindic == AdESPassed.OK
        if profile == 'lta' and res.oldest_evidence_record_timestamp is None:
            passed = False
        ok = ok and passed
        print('LTV', s.field_name, 'PASSED' if passed else 'FAILED',
              res.ades_subindic, res.failure_msg,
              'archive-ts', res.oldest_evidence_record_timestamp)
sys.exit(0 if ok else 1)
"#;

/// pyHanko's executable beside the test venv's Python.
pub fn pyhanko_exe(peers: &Peers) -> Option<PathBuf> {
    let py = peers.python.as_ref()?;
    Some(Path::new(py).parent().unwrap().join("pyhanko"))
}

/// pyHanko's strict LTV verdict on every signature of `pdf`, using only
/// embedded validation material; `lta` also asks for a document
/// time-stamp covering the signatures. (passed, output); None without
/// pyHanko.
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
