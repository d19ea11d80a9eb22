//! `seedance schema`: the JSON Schema of the unified request.

use anyhow::Result;
use seedance_sdk::VideoRequest;

/// Prints the schema, pretty.
pub(crate) fn run() -> Result<()> {
    println!(
        "{}",
        serde_json::to_string_pretty(&VideoRequest::json_schema())?
    );
    Ok(())
}
