//! Kubernetes resource quantities (`50Mi`, `1G`, `512M`, `0.5Gi`, `100m`).
//!
//! Only what the reports need: bytes from a memory quantity, and a
//! suggested larger limit written in the same unit family the user chose.

/// Bytes of a memory quantity, or None when it does not parse.
pub fn memory_bytes(text: &str) -> Option<f64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-' || c == 'e' || c == 'E'))
        .unwrap_or(text.len());
    // `1e3` is a number; `1E` alone would be an exa suffix, so only treat e/E
    // as exponent when digits follow.
    let (number, suffix) = match text[..split].rfind(['e', 'E']) {
        Some(pos) if pos + 1 == split => (&text[..pos], &text[pos..]),
        _ => (&text[..split], &text[split..]),
    };
    let value: f64 = number.parse().ok()?;
    let factor = match suffix {
        "" => 1.0,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024.0f64.powi(2),
        "Gi" => 1024.0f64.powi(3),
        "Ti" => 1024.0f64.powi(4),
        "Pi" => 1024.0f64.powi(5),
        "Ei" => 1024.0f64.powi(6),
        "m" => 1e-3,
        _ => return None,
    };
    Some(value * factor)
}

/// A limit twice as large, rounded up to a readable binary unit.
/// Doubling is a starting point for the investigation, not a sizing: the
/// report says to check the usage trend before settling on a value.
pub fn doubled_memory(text: &str) -> Option<String> {
    let bytes = memory_bytes(text)? * 2.0;
    let mi = (bytes / 1024.0f64.powi(2)).ceil();
    if mi >= 1024.0 && (mi % 1024.0) == 0.0 { Some(format!("{}Gi", mi / 1024.0)) } else { Some(format!("{mi}Mi")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_binary_and_decimal_units() {
        assert_eq!(memory_bytes("50Mi"), Some(52_428_800.0));
        assert_eq!(memory_bytes("1G"), Some(1e9));
        assert_eq!(memory_bytes("128974848"), Some(128_974_848.0));
        assert_eq!(memory_bytes("129e6"), Some(129e6));
        assert_eq!(memory_bytes("1Gi"), Some(1_073_741_824.0));
        assert_eq!(memory_bytes("lots"), None);
    }

    #[test]
    fn doubles_into_readable_units() {
        assert_eq!(doubled_memory("50Mi").as_deref(), Some("100Mi"));
        assert_eq!(doubled_memory("512Mi").as_deref(), Some("1Gi"));
        assert_eq!(doubled_memory("256M").as_deref(), Some("489Mi"));
    }
}
