//! `States.Hash`: MD5, SHA-1, SHA-256, SHA-384, SHA-512 of a string's UTF-8 bytes, in lowercase hex.

use md5::Md5;
use serde_json::Value;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};
use wfc_compiler::asl::intrinsic::Intrinsic;

use super::{fail, hex, want_limited_string, want_string};
use crate::data::DataError;

pub(super) fn hash(args: &[Value]) -> Result<Value, DataError> {
    let f = Intrinsic::Hash;
    let data = want_limited_string(f, args, 0)?.as_bytes();
    let digest = match want_string(f, args, 1)? {
        "MD5" => Md5::digest(data).to_vec(),
        "SHA-1" => Sha1::digest(data).to_vec(),
        "SHA-256" => Sha256::digest(data).to_vec(),
        "SHA-384" => Sha384::digest(data).to_vec(),
        "SHA-512" => Sha512::digest(data).to_vec(),
        other => {
            return Err(fail(
                f,
                format!("unknown algorithm '{other}': use MD5, SHA-1, SHA-256, SHA-384 or SHA-512"),
            ))
        }
    };
    Ok(Value::String(hex(&digest)))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{eval, failure};
    use serde_json::json;

    #[test]
    fn every_algorithm() {
        let cases = [
            ("MD5", "812f45842bc6d66ee14572ce20db8e86"),
            // The AWS docs print this one with a digit missing ("…d18d7485e8…").
            ("SHA-1", "aaff4a450a104cd177d28d18d74485e8cae074b7"),
            ("SHA-256", "b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3"),
            ("SHA-384", "d28a7d5cf25a74f11a50a18452b75e04bb3d70c9dd0510d6123aa008c756511b87525bdc835ebb27e1fb9e9374a15562"),
            ("SHA-512", "6ce4adb348546d4f449c4d25aad9a7c9cb711d9e91982d3f0b29ca2f3f47d4ce2deba23bf2954f0f1d593fc50283731a533d30d425402d4f91316d871303aac4"),
        ];
        for (algorithm, expected) in cases {
            let input = json!({"Data": "input data", "Algorithm": algorithm});
            assert_eq!(
                eval("States.Hash($.Data, $.Algorithm)", input),
                Ok(json!(expected)),
                "{algorithm}"
            );
        }
    }

    #[test]
    fn bad_algorithm_data_and_size() {
        assert!(failure("States.Hash('x', 'sha-256')", json!({}))
            .contains("unknown algorithm 'sha-256'"));
        assert!(failure("States.Hash($.o, 'MD5')", json!({"o": {}}))
            .contains("argument 1 must be a string, found object"));
        assert!(
            failure("States.Hash($.s, 'MD5')", json!({"s": "a".repeat(10_001)}))
                .contains("at most 10000")
        );
    }
}
