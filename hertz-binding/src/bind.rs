//! The [`Bind`] and [`Validate`] traits, usually derived with
//! `#[derive(Bind)]`.

use crate::{BindError, RequestView};

/// A type that can be built from a request.
///
/// Derive it with `#[derive(Bind)]` (re-exported by `hertz-core` as
/// `hertz_core::Bind`), which also derives [`Validate`]; implement it by hand
/// for anything the derive cannot express.
pub trait Bind: Sized {
    /// Reads `Self` out of `req`, or says which field could not be bound.
    fn bind<R: RequestView + ?Sized>(req: &R) -> Result<Self, BindError>;
}

/// Checks a bound value (Hertz's `vd` tag).
///
/// `#[derive(Bind)]` implements this from the fields' `vd` attributes; a
/// struct with none validates as `Ok(())`. Errors should be built with
/// [`BindError::validation`].
pub trait Validate {
    /// `Ok(())` if every rule holds, else the first failing field.
    fn validate(&self) -> Result<(), BindError>;
}

/// Binds `T` from `req`, then validates it.
///
/// This is what `c.bind_and_validate::<T>()` calls.
pub fn bind_and_validate<T, R>(req: &R) -> Result<T, BindError>
where
    T: Bind + Validate,
    R: RequestView + ?Sized,
{
    let value = T::bind(req)?;
    value.validate()?;
    Ok(value)
}
