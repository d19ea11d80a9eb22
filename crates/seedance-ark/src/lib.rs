//! Generated client for the Seedance video generation API of BytePlus ModelArk (Volcengine Ark in
//! China), compiled at build time from `specs/ark/openapi.json` by `seedance-codegen`.
//!
//! The same API is served at `https://ark.ap-southeast.bytepluses.com/api/v3` (the default),
//! `https://ark.eu-west.bytepluses.com/api/v3`, `https://ark.cn-beijing.volces.com/api/v3`, and by
//! Ark-compatible resellers: pass the base URL.
//!
//! Most programs should use the `seedance-sdk` facade instead. The formatted source of this client
//! is committed for review as `crates/seedance-ark/generated.rs`.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use seedance_runtime::ClientOptions;
//!
//! let client = seedance_ark::Client::new(
//!     "https://ark.ap-southeast.bytepluses.com/api/v3",
//!     ClientOptions::default().with_api_key("KEY"),
//! )?;
//! let task = client.get_task().id("cgt-20250101000000-abcde").send().await?;
//! println!("{:?}", task.status);
//! # Ok(())
//! # }
//! ```

#[allow(missing_docs, unreachable_pub, clippy::all, clippy::pedantic)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/generated.rs"));
}

pub use generated::*;
