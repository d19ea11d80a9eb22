//! The requested duration: a number of seconds, or `auto` (the model chooses).

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

/// How long the video is.
///
/// In JSON a number of seconds or the string `"auto"`. [`VideoDuration::Auto`] lets the model
/// choose; it is sent as `-1` to the providers that document that, and refused by the others.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VideoDuration {
    /// A number of seconds.
    Seconds(u32),
    /// Chosen by the model (sent as `-1`).
    Auto,
}

impl VideoDuration {
    /// The value on the wire: the seconds, or `-1` for [`VideoDuration::Auto`].
    pub fn wire_value(self) -> i64 {
        match self {
            VideoDuration::Seconds(seconds) => i64::from(seconds),
            VideoDuration::Auto => -1,
        }
    }
}

impl From<u32> for VideoDuration {
    fn from(seconds: u32) -> Self {
        VideoDuration::Seconds(seconds)
    }
}

impl std::fmt::Display for VideoDuration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VideoDuration::Seconds(seconds) => write!(f, "{seconds}"),
            VideoDuration::Auto => f.write_str("auto"),
        }
    }
}

impl std::str::FromStr for VideoDuration {
    type Err = String;

    /// `auto` or a number of seconds, as on the command line.
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let value = value.trim();
        if value.eq_ignore_ascii_case("auto") {
            return Ok(VideoDuration::Auto);
        }
        value
            .parse::<u32>()
            .map(VideoDuration::Seconds)
            .map_err(|_| format!("{value:?} is not a duration; allowed: auto or whole seconds"))
    }
}

impl Serialize for VideoDuration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            VideoDuration::Seconds(seconds) => serializer.serialize_u32(*seconds),
            VideoDuration::Auto => serializer.serialize_str("auto"),
        }
    }
}

impl<'de> Deserialize<'de> for VideoDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DurationVisitor;
        impl de::Visitor<'_> for DurationVisitor {
            type Value = VideoDuration;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a whole number of seconds or \"auto\"")
            }
            fn visit_u64<E: de::Error>(self, value: u64) -> Result<VideoDuration, E> {
                u32::try_from(value)
                    .map(VideoDuration::Seconds)
                    .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(value), &self))
            }
            fn visit_i64<E: de::Error>(self, value: i64) -> Result<VideoDuration, E> {
                u32::try_from(value)
                    .map(VideoDuration::Seconds)
                    .map_err(|_| E::invalid_value(de::Unexpected::Signed(value), &self))
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<VideoDuration, E> {
                match value {
                    "auto" => Ok(VideoDuration::Auto),
                    other => Err(E::invalid_value(de::Unexpected::Str(other), &self)),
                }
            }
        }
        deserializer.deserialize_any(DurationVisitor)
    }
}

impl JsonSchema for VideoDuration {
    fn schema_name() -> Cow<'static, str> {
        "VideoDuration".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "Duration in seconds, or \"auto\" to let the model choose (where the model allows it).",
            "oneOf": [
                { "type": "integer", "format": "uint32", "minimum": 0 },
                { "type": "string", "const": "auto" }
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::VideoDuration;

    #[test]
    fn json_is_a_number_or_auto() {
        let check = |json: &str, expected: Option<VideoDuration>| {
            let parsed = serde_json::from_str::<VideoDuration>(json).ok();
            assert_eq!(parsed, expected, "{json}");
            if let Some(duration) = parsed {
                assert_eq!(serde_json::to_string(&duration).unwrap(), json);
            }
        };
        check("5", Some(VideoDuration::Seconds(5)));
        check("\"auto\"", Some(VideoDuration::Auto));
        check("-1", None);
        check("\"5\"", None);
        check("5.5", None);
        check("4294967296", None);
        assert_eq!("AUTO".parse(), Ok(VideoDuration::Auto));
        assert_eq!("12".parse(), Ok(VideoDuration::Seconds(12)));
        assert!("-1".parse::<VideoDuration>().is_err());
        assert_eq!(VideoDuration::Auto.wire_value(), -1);
    }
}
