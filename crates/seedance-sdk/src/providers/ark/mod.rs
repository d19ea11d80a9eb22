//! BytePlus ModelArk (and Volcengine Ark): Seedance's own API.

mod wire;
pub(crate) use wire::WIRE;
