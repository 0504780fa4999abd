use crate::DigestAlgorithm;

/// One-shot digest of `data`.
pub fn digest(alg: DigestAlgorithm, data: &[u8]) -> Vec<u8> {
    aws_lc_rs::digest::digest(alg.aws(), data).as_ref().to_vec()
}

/// Streaming digest, for hashing files in ranges.
pub struct Hasher(aws_lc_rs::digest::Context);

impl Hasher {
    pub fn new(alg: DigestAlgorithm) -> Self {
        Hasher(aws_lc_rs::digest::Context::new(alg.aws()))
    }
    pub fn update(&mut self, data: &[u8]) {
        self.0.update(data)
    }
    pub fn finish(self) -> Vec<u8> {
        self.0.finish().as_ref().to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_abc_is_the_fips_vector() {
        assert_eq!(
            hex(&digest(DigestAlgorithm::Sha256, b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let mut h = Hasher::new(DigestAlgorithm::Sha256);
        h.update(b"a");
        h.update(b"bc");
        assert_eq!(h.finish(), digest(DigestAlgorithm::Sha256, b"abc"));
    }

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }
}
