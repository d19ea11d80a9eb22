//! The request hash that keys a job: SHA-256 over canonical JSON, so reformatting a jobs file
//! does not turn its jobs into new ones.

use sha2::{Digest, Sha256};

/// The SHA-256 of `request` in canonical form, as 64 lowercase hex digits.
///
/// Canonical form is compact JSON with every object's keys sorted (by their UTF-8 bytes) at every
/// depth, so key order and whitespace in the caller's input do not change the hash. Strings and
/// numbers are written as `serde_json` writes them, so escapes in the input do not matter, but `1`
/// and `1.0` are different requests.
///
/// Keys are sorted here rather than by relying on `serde_json`'s default `BTreeMap`, because any
/// crate in a build can switch `serde_json` to insertion order with its `preserve_order` feature.
///
/// ```
/// use seedance_journal::request_hash;
/// use serde_json::json;
///
/// let a = json!({"prompt": "a cat", "duration": 5});
/// let text = "{ \"duration\": 5,\n \"prompt\": \"a cat\" }";
/// let b: serde_json::Value = serde_json::from_str(text).unwrap();
/// assert_eq!(request_hash(&a), request_hash(&b));
/// assert_ne!(request_hash(&a), request_hash(&json!({"prompt": "a dog", "duration": 5})));
/// ```
pub fn request_hash(request: &serde_json::Value) -> String {
    let mut canonical = String::new();
    write_canonical(request, &mut canonical);
    sha256_hex(canonical.as_bytes())
}

/// The canonical JSON text that [`request_hash`] hashes.
pub fn canonical_json(value: &serde_json::Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

/// The SHA-256 of `bytes` as 64 lowercase hex digits (for example for a downloaded file, so the
/// caller needs no second hash crate).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// An incremental SHA-256 for data that arrives in chunks, such as a streamed download.
#[derive(Debug, Clone, Default)]
pub struct Sha256Hasher {
    inner: Sha256,
}

impl Sha256Hasher {
    /// Feeds `bytes` into the hash.
    pub fn update(&mut self, bytes: &[u8]) {
        self.inner.update(bytes);
    }

    /// The SHA-256 of everything fed so far, as 64 lowercase hex digits.
    pub fn finish_hex(self) -> String {
        hex(&self.inner.finalize())
    }
}

fn hex(digest: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(digest.len() * 2);
    for byte in digest {
        // Writing to a String cannot fail.
        let _ = write!(out, "{byte:02x}");
    }
    out
}

fn write_canonical(value: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|(left, _), (right, _)| left.as_bytes().cmp(right.as_bytes()));
            out.push('{');
            for (entry_idx, (key, item)) in entries.into_iter().enumerate() {
                if entry_idx > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(item, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (item_idx, item) in items.iter().enumerate() {
                if item_idx > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        // Scalars have one compact spelling in serde_json.
        scalar => out.push_str(&scalar.to_string()),
    }
}
