//! BytePlus ModelArk (and Volcengine Ark): Seedance's own API. One create endpoint whose
//! `content` items carry the prompt and every input, retrieve, list, and one `DELETE` that
//! cancels a queued task or deletes a finished one; errors as
//! `{error: {code, message, param, type}}` with `x-request-id`.

mod status;
mod submit;
mod tasks;
pub(crate) use self::submit::MAPPED_KEYS;

use std::sync::Arc;

use futures_util::future::BoxFuture;
use seedance_ark::Client;

#[cfg(test)]
pub(crate) use self::{
    status::{api_error, map_status},
    submit::{map_submit, map_submit_lenient},
};
use super::{ListQuery, ProviderApi, Resolved, Submitted, TaskPage};
use crate::{
    capability::{Capabilities, CapabilityTable, ark::default_model_id},
    error::Error,
    provider::Provider,
    request::{Inputs, Model, VideoRequest},
    task::TaskStatus,
};

const PROVIDER: Provider = Provider::Ark;

/// Ark's API, as the client calls it.
#[derive(Debug)]
pub(crate) struct Ark {
    client: Client,
    /// Whether the base URL is Volcengine's (`*.volces.com`), which knows the models by their
    /// `doubao-` ids.
    volcengine: bool,
    /// The client's capability table: the model ids sent come from it.
    table: Arc<CapabilityTable>,
}

/// The Ark API at `base_url`.
pub(crate) fn connect(
    base_url: &str,
    http: reqwest::Client,
    options: seedance_runtime::ClientOptions,
    table: Arc<CapabilityTable>,
) -> Arc<dyn ProviderApi> {
    Arc::new(Ark {
        client: Client::new_with_client(base_url, http, options),
        volcengine: is_volcengine(base_url),
        table,
    })
}

impl Ark {
    /// The entry of `model`; the client validated the request against this table, so it exists
    /// for any request that reaches a submit.
    fn caps(&self, model: Model) -> Result<&Capabilities, Error> {
        self.table.get(PROVIDER, model).ok_or_else(|| {
            Error::InvalidRequest(crate::error::InvalidRequest {
                provider: PROVIDER,
                model,
                field: crate::request::Field::Model,
                message:
                    "is not in the capability table; allowed: the models of `seedance providers`"
                        .into(),
            })
        })
    }
}

/// Whether `base_url` is on a Volcengine host (`volces.com` or a subdomain of it).
pub(crate) fn is_volcengine(base_url: &str) -> bool {
    url::Url::parse(base_url)
        .ok()
        .and_then(|url| url.host_str().map(str::to_ascii_lowercase))
        .is_some_and(|host| host == "volces.com" || host.ends_with(".volces.com"))
}

impl ProviderApi for Ark {
    fn provider(&self) -> Provider {
        PROVIDER
    }

    fn submit<'a>(
        &'a self,
        request: &'a VideoRequest,
        resolved: &'a Resolved,
    ) -> BoxFuture<'a, Result<Submitted, Error>> {
        Box::pin(async move {
            let caps = self.caps(request.model)?;
            submit::submit(&self.client, caps, request, resolved, self.volcengine).await
        })
    }

    fn status<'a>(&'a self, task_id: &'a str) -> BoxFuture<'a, Result<TaskStatus, Error>> {
        Box::pin(tasks::status(&self.client, task_id))
    }

    fn cancel<'a>(&'a self, task_id: &'a str) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(tasks::delete(&self.client, task_id))
    }

    fn delete<'a>(&'a self, task_id: &'a str) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(tasks::delete(&self.client, task_id))
    }

    fn sent_model_id(&self, request: &VideoRequest) -> Option<String> {
        let caps = self.caps(request.model).ok()?;
        submit::sent_model_id(caps, request, self.volcengine).ok()
    }

    fn model_ids(&self, model: Model) -> Vec<String> {
        // Seedance 1.0 Lite has a text and an image id; the others one id for every mode.
        let Ok(caps) = self.caps(model) else {
            return Vec::new();
        };
        let site = |inputs: &Inputs| default_model_id(caps, inputs, self.volcengine);
        let text = site(&Inputs::Text);
        let image = site(&Inputs::FirstFrame {
            first: crate::media::Media::Url(String::new()),
        });
        let mut ids: Vec<String> = text.into_iter().map(str::to_owned).collect();
        if let Some(image) = image.filter(|image| Some(*image) != text) {
            ids.push(image.to_owned());
        }
        ids
    }

    /// Ark allows one list request per second for an account (its published QPS for the list
    /// operation; a single task's status allows 20).
    fn list_interval(&self) -> std::time::Duration {
        std::time::Duration::from_secs(1)
    }

    fn list<'a>(&'a self, query: &'a ListQuery) -> BoxFuture<'a, Result<TaskPage, Error>> {
        Box::pin(tasks::list(&self.client, query))
    }

    /// The mark is `execution_expires_after` just under Ark's default, which every task list
    /// item echoes: an hour less in the worst case matters to no task (one still queued after
    /// 47 hours has failed its purpose), and clients that leave the field unset are never
    /// mistaken for a marked one.
    fn tag_request(&self, request: &VideoRequest, tag: u32) -> Option<VideoRequest> {
        if request.execution_expires_after.is_some() {
            return None;
        }
        let mut tagged = request.clone();
        tagged.execution_expires_after = Some(DEFAULT_EXECUTION_EXPIRES_AFTER - 1 - tag % TAGS);
        Some(tagged)
    }
}

/// Ark's `execution_expires_after` when the request leaves it unset: 48 hours.
const DEFAULT_EXECUTION_EXPIRES_AFTER: u32 = 172_800;

/// How many distinct marks [`Ark::tag_request`] makes: one per second of the hour under the
/// default.
const TAGS: u32 = 3_599;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volcengine_hosts_are_recognized() {
        for (url, expected) in [
            ("https://ark.cn-beijing.volces.com/api/v3", true),
            ("https://VOLCES.com/api/v3", true),
            ("https://ark.ap-southeast.bytepluses.com/api/v3", false),
            ("https://volces.com.example.com/api/v3", false),
            ("https://notvolces.com/api/v3", false),
            ("http://127.0.0.1:9/api/v3", false),
        ] {
            assert_eq!(is_volcengine(url), expected, "{url}");
        }
    }
}
