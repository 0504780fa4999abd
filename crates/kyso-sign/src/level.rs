/// PAdES baseline levels (ETSI EN 319 142-1) kyso signs at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PadesLevel {
    /// B-B: the signature alone.
    BB,
    /// B-T: with a signature time-stamp token.
    BT,
    /// B-LT: B-T and the validation material (certificates, OCSP answers,
    /// CRLs) in the document's DSS.
    BLt,
    /// B-LTA: B-LT and a document time-stamp over it all.
    BLta,
}

impl std::str::FromStr for PadesLevel {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_uppercase().as_str() {
            "B-B" | "BB" => Ok(PadesLevel::BB),
            "B-T" | "BT" => Ok(PadesLevel::BT),
            "B-LT" | "BLT" => Ok(PadesLevel::BLt),
            "B-LTA" | "BLTA" => Ok(PadesLevel::BLta),
            _ => Err(format!(
                "mức '{s}' không có / level '{s}' not supported (B-B, B-T, B-LT, B-LTA)"
            )),
        }
    }
}

impl PadesLevel {
    /// Whether the signature carries a signature time-stamp (B-T and up).
    pub fn has_timestamp(self) -> bool {
        self != PadesLevel::BB
    }

    /// Whether the document carries validation material (B-LT and up).
    pub fn is_long_term(self) -> bool {
        matches!(self, PadesLevel::BLt | PadesLevel::BLta)
    }
}

impl std::fmt::Display for PadesLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PadesLevel::BB => "B-B",
            PadesLevel::BT => "B-T",
            PadesLevel::BLt => "B-LT",
            PadesLevel::BLta => "B-LTA",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_parse_and_print() {
        assert_eq!("b-t".parse::<PadesLevel>().unwrap(), PadesLevel::BT);
        assert_eq!("B-B".parse::<PadesLevel>().unwrap().to_string(), "B-B");
        assert_eq!("b-lta".parse::<PadesLevel>().unwrap(), PadesLevel::BLta);
        assert_eq!("B-LT".parse::<PadesLevel>().unwrap().to_string(), "B-LT");
        assert!("B-C".parse::<PadesLevel>().is_err());
    }
}
