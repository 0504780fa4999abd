/// PAdES baseline levels (ETSI EN 319 142-1) kyso signs at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PadesLevel {
    /// B-B: the signature alone.
    BB,
    /// B-T: with a signature time-stamp token.
    BT,
}

impl std::str::FromStr for PadesLevel {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_uppercase().as_str() {
            "B-B" | "BB" => Ok(PadesLevel::BB),
            "B-T" | "BT" => Ok(PadesLevel::BT),
            _ => Err(format!(
                "mức '{s}' chưa hỗ trợ / level '{s}' not supported (B-B, B-T)"
            )),
        }
    }
}

impl std::fmt::Display for PadesLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PadesLevel::BB => "B-B",
            PadesLevel::BT => "B-T",
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
        assert!("B-LTA".parse::<PadesLevel>().is_err());
    }
}
