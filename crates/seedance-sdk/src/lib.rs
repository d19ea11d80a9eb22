//! Generate videos with ByteDance's Seedance models through the providers that sell them
//! (Modellix, Jiekou.AI, odkkk, and Seedance's own API, BytePlus ModelArk), with one typed API.
//!
//! - **One request model** ([`VideoRequest`]) for text-to-video, first frame, first and last
//!   frames, reference images, videos and audio, video edit and extension, and drafts
//!   ([`Inputs`]); modes cannot be mixed.
//! - **Validation before sending**: each provider's capabilities per model ([`capabilities`]);
//!   an unsupported or out-of-range field is an [`Error::InvalidRequest`] naming the field, the
//!   provider, the model and the allowed values, and nothing is sent.
//! - **One task lifecycle**: [`Client::submit`] returns a serializable [`TaskHandle`];
//!   [`Client::status`] gives one normalized [`TaskStatus`]; [`Client::wait`] and
//!   [`Client::watch`] poll with back-off and a deadline; [`Client::download`] streams to a
//!   file atomically and never sends the API key to the video's host.
//! - **Safe retries**: status and download requests retry transient failures; a submit is
//!   never retried once it may have reached the provider ([`Error::OutcomeUnknown`]); on Ark,
//!   [`Client::find_submitted`] then finds the tasks it may have created.
//! - **Cancel, delete, list** where the provider can (Ark): [`Client::cancel`],
//!   [`Client::delete`], [`Client::list`] and [`WaitOptions::cancel_on_timeout`]; elsewhere
//!   [`Error::Unsupported`] before any request. A finished [`Video`] carries the provider's
//!   [`Usage`] figures.
//! - **Credentials stay where you sent them**: the API key goes only to the base URL you
//!   configured or to the provider's documented server, never to one named by a task handle
//!   ([`ClientBuilder::for_handle`]) and never over plain HTTP to a remote host.
//! - **Bounded whatever the server does**: read timeouts, capped response bodies, a hard
//!   deadline for [`Client::wait`], no panic on any answer.
//!
//! # Feature flags
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `clap` | off | `clap::ValueEnum` on [`Provider`], [`Model`], [`Resolution`], [`Ratio`] and [`ServiceTier`], so a command line can take them directly |
//!
//! ```no_run
//! use seedance_sdk::{Client, Provider, Ratio, VideoRequest, WaitOptions};
//!
//! # async fn run() -> seedance_sdk::Result<()> {
//! let client = Client::from_env(Provider::Modellix)?; // MODELLIX_API_KEY
//! let request = VideoRequest::builder("A cat playing piano, cinematic lighting")
//!     .duration(5)
//!     .ratio(Ratio::R16x9)
//!     .build();
//! let handle = client.submit(&request).await?;
//! let video = client.wait(&handle, WaitOptions::default()).await?;
//! client.download(&video, "cat.mp4".as_ref()).await?;
//! # Ok(())
//! # }
//! ```
//!
//! Validation needs no network:
//!
//! ```
//! use seedance_sdk::{Model, Provider, Resolution, VideoRequest, capabilities};
//!
//! let request = VideoRequest::builder("A skyline at dusk")
//!     .model(Model::Seedance20Fast)
//!     .resolution(Resolution::P1080)
//!     .build();
//! let caps = capabilities(Provider::Modellix, Model::Seedance20Fast).unwrap();
//! let err = caps.validate(&request).unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     "invalid resolution for modellix seedance-2.0-fast: 1080p is not supported; allowed: 480p, 720p"
//! );
//! ```

#![deny(missing_docs)]

mod base_url;
mod capability;
mod client;
mod error;
mod media;
mod provider;
mod providers;
mod request;
mod task;
mod text;

pub use base_url::{check_base_url, is_documented_base_url, is_loopback_url, video_unavailable};
pub use capability::{
    Basis, Capabilities, CapabilityFileError, CapabilityTable, IdInputs, Mode, ModelId, Site,
    Source, Violation, all_capabilities, capabilities, validate,
};
pub use client::{
    Client, ClientBuilder, Expected, ListFilter, PlacedPolls, RetryPolicy, TaskSummary, WaitOptions,
};
pub use error::{Error, InvalidRequest, ProviderError, Result, TaskOperation};
pub use media::{ImageRules, Inline, Media};
pub use provider::Provider;
pub use request::{
    Field, Inputs, Model, OutputFormat, Ratio, Resolution, ServiceTier, Validation, VideoDuration,
    VideoRequest, VideoRequestArgs,
};
pub use task::{TaskHandle, TaskParameters, TaskState, TaskStatus, Usage, Video};
