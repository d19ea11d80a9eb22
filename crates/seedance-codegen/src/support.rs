//! What the routine adds to progenitor's output: the request hook and a constructor that cannot
//! panic. Both delegate to `seedance-runtime`, so the logic itself is ordinary, tested Rust.

use proc_macro2::TokenStream;
use quote::quote;

/// Removes progenitor's `Client::new(baseurl, inner) -> Self`.
///
/// It builds its `reqwest::Client` with `.build().unwrap()`, which panics under our TLS setup
/// (rustls without a default crypto provider) and ignores the timeouts in `ClientOptions`.
pub(crate) fn replace_client_new(file: &mut syn::File) -> Result<(), String> {
    let mut removed = false;
    for item in &mut file.items {
        let syn::Item::Impl(imp) = item else { continue };
        let is_client = imp.trait_.is_none()
            && matches!(&*imp.self_ty, syn::Type::Path(p) if p.path.is_ident("Client"));
        if !is_client {
            continue;
        }
        let before = imp.items.len();
        imp.items
            .retain(|i| !matches!(i, syn::ImplItem::Fn(f) if f.sig.ident == "new"));
        removed |= imp.items.len() != before;
    }
    if removed {
        Ok(())
    } else {
        Err(
            "progenitor's output has no `impl Client { fn new }` to replace; \
             the progenitor version changed, update seedance-codegen's support module"
                .into(),
        )
    }
}

/// Appends `items` to the generated `pub mod types`.
pub(crate) fn push_into_types(file: &mut syn::File, items: TokenStream) -> Result<(), String> {
    let parsed: syn::File =
        syn::parse2(items).map_err(|err| format!("open enum code does not parse: {err}"))?;
    for item in &mut file.items {
        if let syn::Item::Mod(module) = item
            && module.ident == "types"
            && let Some((_, content)) = &mut module.content
        {
            content.extend(parsed.items);
            return Ok(());
        }
    }
    Err("progenitor's output has no `mod types`".into())
}

/// The hook implementation and the constructor, appended at the end of the file.
pub(crate) fn items() -> Vec<syn::Item> {
    let tokens = quote! {
        impl Client {
            /// Creates a client for `baseurl` (scheme, host, and path stem, e.g. the spec's
            /// server URL), with the API key, timeouts and `User-Agent` of `options`.
            ///
            /// # Errors
            ///
            /// When the HTTP client cannot be built (for example no TLS root certificates).
            pub fn new(
                baseurl: &str,
                options: seedance_runtime::ClientOptions,
            ) -> ::std::result::Result<Self, seedance_runtime::BuildError> {
                let client = seedance_runtime::http_client(&options)?;
                Ok(Self::new_with_client(baseurl, client, options))
            }
        }

        /// Sets `User-Agent` and `Authorization`, applies path overrides and strips the
        /// `api-version` header, before every request (see `seedance_runtime::prepare_request`);
        /// caps every response body (see `seedance_runtime::execute`).
        impl ClientHooks<seedance_runtime::ClientOptions> for Client {
            async fn pre<E>(
                &self,
                request: &mut reqwest::Request,
                info: &OperationInfo,
            ) -> ::std::result::Result<(), Error<E>> {
                seedance_runtime::prepare_request(&self.inner, &self.baseurl, request, info.operation_id)
                    .map_err(|err| Error::InvalidRequest(err.to_string()))
            }

            async fn exec(
                &self,
                request: reqwest::Request,
                _info: &OperationInfo,
            ) -> reqwest::Result<reqwest::Response> {
                seedance_runtime::execute(&self.client, request, &self.inner).await
            }
        }
    };
    syn::parse2::<syn::File>(tokens)
        .expect("the support items are fixed, valid Rust")
        .items
}
