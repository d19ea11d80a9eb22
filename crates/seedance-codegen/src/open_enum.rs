//! Open enums: the Rust rendering of a response enum that keeps values the spec does not list.

use heck::ToUpperCamelCase;
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::OpenEnum;

/// The variant identifier for an enum value, in the style of typify (`16:9` -> `X169`).
fn variant(value: &str) -> Ident {
    let cleaned: String = value
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let mut name = cleaned.to_upper_camel_case();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, 'X');
    }
    if name == "Unknown" {
        name.push('_');
    }
    Ident::new(&name, Span::call_site())
}

/// Two values that map to one variant identifier, if any.
pub(crate) fn clashing_values(open: &OpenEnum) -> Option<(String, String)> {
    let mut seen = std::collections::HashMap::new();
    for value in &open.values {
        if let Some(first) = seen.insert(variant(value).to_string(), value) {
            return Some((first.clone(), value.clone()));
        }
    }
    None
}

pub(crate) fn tokens(open: &OpenEnum) -> TokenStream {
    let name = Ident::new(&open.name, Span::call_site());
    let doc = open
        .description
        .clone()
        .unwrap_or_else(|| open.name.clone());
    let variants: Vec<Ident> = open.values.iter().map(|v| variant(v)).collect();
    let values = &open.values;
    let docs = values.iter().map(|v| format!("`{v}`"));
    quote! {
        #[doc = #doc]
        ///
        /// Open: a value the spec does not list is kept as [`Self::Unknown`] instead of failing
        /// deserialization, so a provider adding a value does not break this client.
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum #name {
            #(
                #[doc = #docs]
                #variants,
            )*
            /// A value the spec does not list, as received.
            Unknown(::std::string::String),
        }

        impl #name {
            /// The values the spec lists, in its order.
            pub const KNOWN: &'static [&'static str] = &[#(#values),*];

            /// The value as it appears on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(Self::#variants => #values,)*
                    Self::Unknown(raw) => raw.as_str(),
                }
            }
        }

        impl ::std::convert::From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #(#values => Self::#variants,)*
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl ::std::str::FromStr for #name {
            type Err = ::std::convert::Infallible;
            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let raw = <::std::string::String as ::serde::Deserialize>::deserialize(deserializer)?;
                Ok(Self::from(raw.as_str()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::variant;

    #[test]
    fn variant_names() {
        for (value, expected) in [
            ("pending", "Pending"),
            ("TASK_STATUS_QUEUED", "TaskStatusQueued"),
            ("video.generation.task", "VideoGenerationTask"),
            ("16:9", "X169"),
            ("per_call", "PerCall"),
            ("unknown", "Unknown_"),
        ] {
            assert_eq!(variant(value).to_string(), expected, "{value}");
        }
    }
}
