//! [`FromValue`]: converting one textual value (a query parameter, header,
//! cookie, path parameter, form field or `default`) into a field's type, and
//! [`FromBody`]: converting the whole body for `raw_body` fields.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::num::{
    NonZeroI128, NonZeroI16, NonZeroI32, NonZeroI64, NonZeroI8, NonZeroIsize, NonZeroU128,
    NonZeroU16, NonZeroU32, NonZeroU64, NonZeroU8, NonZeroUsize,
};
use std::sync::Arc;

use bytes::Bytes;

/// Parses a field from one textual request value.
///
/// Implemented for every integer and float type (via `str::parse`), the
/// `NonZero*` integers, `bool`, `char`, `String`, `Box<str>`, `Arc<str>`,
/// `Bytes` and the `std::net` address types. `Option<T>` and `Vec<T>` fields
/// are handled by the derive, not by impls here: `Option` means "may be
/// absent", `Vec` collects every value of a repeated key.
///
/// Implement it for your own types (enums, newtypes) to use them as
/// non-JSON fields. The error string becomes the [`BindError`](crate::BindError)
/// message: keep it short and do not echo the input.
///
/// ```
/// use hertz_binding::FromValue;
/// assert_eq!(u8::from_value("42"), Ok(42));
/// assert_eq!(bool::from_value("1"), Ok(true));
/// assert!(u8::from_value("300").is_err());
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be read from a path/query/header/cookie/form value",
    label = "needs `hertz_binding::FromValue`",
    note = "implement `FromValue` for it, or bind the field from JSON with `#[hertz(json)]`"
)]
pub trait FromValue: Sized {
    /// Converts `s`, or says why it cannot.
    fn from_value(s: &str) -> Result<Self, String>;
}

macro_rules! from_value_via_parse {
    ($($t:ty),* $(,)?) => {$(
        impl FromValue for $t {
            fn from_value(s: &str) -> Result<Self, String> {
                s.parse::<$t>().map_err(|e| e.to_string())
            }
        }
    )*};
}

from_value_via_parse!(
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    f32,
    f64,
    NonZeroI8,
    NonZeroI16,
    NonZeroI32,
    NonZeroI64,
    NonZeroI128,
    NonZeroIsize,
    NonZeroU8,
    NonZeroU16,
    NonZeroU32,
    NonZeroU64,
    NonZeroU128,
    NonZeroUsize,
    IpAddr,
    Ipv4Addr,
    Ipv6Addr,
    SocketAddr,
);

/// Accepts Go's `strconv.ParseBool` spellings, as Hertz does:
/// `1 t T TRUE true True` and `0 f F FALSE false False`.
impl FromValue for bool {
    fn from_value(s: &str) -> Result<Self, String> {
        match s {
            "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
            "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
            _ => Err("invalid boolean (expected true/false/1/0)".to_owned()),
        }
    }
}

impl FromValue for char {
    fn from_value(s: &str) -> Result<Self, String> {
        let mut chars = s.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => Ok(c),
            _ => Err("expected exactly one character".to_owned()),
        }
    }
}

impl FromValue for String {
    fn from_value(s: &str) -> Result<Self, String> {
        Ok(s.to_owned())
    }
}

impl FromValue for Box<str> {
    fn from_value(s: &str) -> Result<Self, String> {
        Ok(s.into())
    }
}

impl FromValue for Arc<str> {
    fn from_value(s: &str) -> Result<Self, String> {
        Ok(s.into())
    }
}

impl FromValue for Bytes {
    fn from_value(s: &str) -> Result<Self, String> {
        Ok(Bytes::copy_from_slice(s.as_bytes()))
    }
}

/// Builds a `raw_body` field from the whole request body.
///
/// Implemented for `Bytes` (zero-copy), `Vec<u8>`, `String` (must be UTF-8)
/// and `Option` of those (`None` for an empty body).
pub trait FromBody: Sized {
    /// Converts the body, or says why it cannot.
    fn from_body(body: Bytes) -> Result<Self, String>;
}

impl FromBody for Bytes {
    fn from_body(body: Bytes) -> Result<Self, String> {
        Ok(body)
    }
}

impl FromBody for Vec<u8> {
    fn from_body(body: Bytes) -> Result<Self, String> {
        Ok(body.to_vec())
    }
}

impl FromBody for String {
    fn from_body(body: Bytes) -> Result<Self, String> {
        String::from_utf8(body.to_vec()).map_err(|_| "body is not valid UTF-8".to_owned())
    }
}

impl<T: FromBody> FromBody for Option<T> {
    fn from_body(body: Bytes) -> Result<Self, String> {
        if body.is_empty() {
            Ok(None)
        } else {
            T::from_body(body).map(Some)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        assert_eq!(i32::from_value("-7"), Ok(-7));
        assert_eq!(
            u32::from_value("x").unwrap_err(),
            "invalid digit found in string"
        );
        assert_eq!(
            u32::from_value("").unwrap_err(),
            "cannot parse integer from empty string"
        );
        assert_eq!(f64::from_value("1.5"), Ok(1.5));
        assert_eq!(bool::from_value("True"), Ok(true));
        assert_eq!(bool::from_value("0"), Ok(false));
        assert!(bool::from_value("yes").is_err());
        assert_eq!(char::from_value("é"), Ok('é'));
        assert!(char::from_value("ab").is_err());
        assert!(char::from_value("").is_err());
        assert_eq!(String::from_value(""), Ok(String::new()));
        assert!(NonZeroU8::from_value("0").is_err());
        assert_eq!(
            IpAddr::from_value("127.0.0.1"),
            Ok(IpAddr::V4(Ipv4Addr::LOCALHOST))
        );
    }

    #[test]
    fn bodies() {
        let b = Bytes::from_static(b"abc");
        assert_eq!(Bytes::from_body(b.clone()), Ok(b.clone()));
        assert_eq!(Vec::<u8>::from_body(b.clone()), Ok(b"abc".to_vec()));
        assert_eq!(String::from_body(b.clone()), Ok("abc".to_owned()));
        assert!(String::from_body(Bytes::from_static(b"\xff")).is_err());
        assert_eq!(Option::<String>::from_body(Bytes::new()), Ok(None));
    }
}
