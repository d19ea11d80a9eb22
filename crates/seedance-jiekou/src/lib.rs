//! Generated client for the Seedance API of Jiekou.AI, compiled at build time from
//! `specs/jiekou/openapi.json` by `seedance-codegen`.
//!
//! Most programs should use the `seedance-sdk` facade instead. The formatted source of this client
//! is committed for review as `crates/seedance-jiekou/generated.rs`.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use seedance_runtime::ClientOptions;
//!
//! let client = seedance_jiekou::Client::new("https://api.jiekou.ai", ClientOptions::default().with_api_key("KEY"))?;
//! # let _ = client;
//! # Ok(())
//! # }
//! ```

#[allow(missing_docs, unreachable_pub, clippy::all, clippy::pedantic)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/generated.rs"));
}

pub use generated::*;
