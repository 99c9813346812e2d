//! Runtime pieces for compiled `vd` expressions.
//!
//! The derive type-checks a `vd` expression at compile time into numbers
//! ([`Num`]), strings (`&str`), booleans, and field references; a field
//! reference is turned into one of those through the traits here
//! ([`VdNum`], [`VdStr`], [`VdBool`], [`VdLen`], [`VdValue`]), so applying a
//! rule to a field of the wrong type (`$ > 3` on a `String`) is a compile
//! error, not a runtime surprise.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::num::{
    NonZeroI128, NonZeroI16, NonZeroI32, NonZeroI64, NonZeroI8, NonZeroIsize, NonZeroU128,
    NonZeroU16, NonZeroU32, NonZeroU64, NonZeroU8, NonZeroUsize,
};
use std::ops::{Add, Div, Mul, Neg, Rem, Sub};
use std::sync::{Arc, LazyLock};

use bytes::Bytes;
use regex::Regex;

/// A number in a `vd` expression: integers stay exact, anything else is
/// `f64` (Hertz evaluates every number as `float64`; keeping integers exact
/// only differs beyond 2^53). Arithmetic never panics: integer overflow and
/// inexact division fall back to `f64`, division by zero gives ±inf or NaN,
/// and NaN compares false with everything.
#[derive(Debug, Clone, Copy)]
pub enum Num {
    /// An integer value.
    Int(i128),
    /// A floating-point value.
    Float(f64),
}

impl Num {
    fn as_f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        }
    }

    /// A length as a number.
    pub fn from_len(n: usize) -> Num {
        Num::Int(n as i128)
    }

    fn int_op(
        self,
        rhs: Num,
        int: impl FnOnce(i128, i128) -> Option<i128>,
        float: impl FnOnce(f64, f64) -> f64,
    ) -> Num {
        if let (Num::Int(a), Num::Int(b)) = (self, rhs) {
            if let Some(r) = int(a, b) {
                return Num::Int(r);
            }
        }
        Num::Float(float(self.as_f64(), rhs.as_f64()))
    }
}

impl PartialEq for Num {
    fn eq(&self, other: &Num) -> bool {
        self.partial_cmp(other) == Some(Ordering::Equal)
    }
}

impl PartialOrd for Num {
    fn partial_cmp(&self, other: &Num) -> Option<Ordering> {
        match (*self, *other) {
            (Num::Int(a), Num::Int(b)) => Some(a.cmp(&b)),
            (Num::Int(a), Num::Float(b)) => cmp_int_float(a, b),
            (Num::Float(a), Num::Int(b)) => cmp_int_float(b, a).map(Ordering::reverse),
            (Num::Float(a), Num::Float(b)) => a.partial_cmp(&b),
        }
    }
}

/// Exact comparison of an integer with a float (no rounding of `i`).
fn cmp_int_float(i: i128, f: f64) -> Option<Ordering> {
    const TWO_POW_127: f64 = 170_141_183_460_469_231_731_687_303_715_884_105_728.0;
    if f.is_nan() {
        return None;
    }
    if f >= TWO_POW_127 {
        return Some(Ordering::Less);
    }
    if f < -TWO_POW_127 {
        return Some(Ordering::Greater);
    }
    // `f` is now in [-2^127, 2^127), so its integer part fits in i128.
    let whole = f.trunc();
    Some(i.cmp(&(whole as i128)).then(if f > whole {
        Ordering::Less
    } else if f < whole {
        Ordering::Greater
    } else {
        Ordering::Equal
    }))
}

impl Add for Num {
    type Output = Num;
    fn add(self, rhs: Num) -> Num {
        self.int_op(rhs, i128::checked_add, |a, b| a + b)
    }
}

impl Sub for Num {
    type Output = Num;
    fn sub(self, rhs: Num) -> Num {
        self.int_op(rhs, i128::checked_sub, |a, b| a - b)
    }
}

impl Mul for Num {
    type Output = Num;
    fn mul(self, rhs: Num) -> Num {
        self.int_op(rhs, i128::checked_mul, |a, b| a * b)
    }
}

impl Div for Num {
    type Output = Num;
    fn div(self, rhs: Num) -> Num {
        self.int_op(
            rhs,
            |a, b| match a.checked_rem(b) {
                Some(0) => a.checked_div(b),
                _ => None,
            },
            |a, b| a / b,
        )
    }
}

impl Rem for Num {
    type Output = Num;
    fn rem(self, rhs: Num) -> Num {
        self.int_op(rhs, i128::checked_rem, |a, b| a % b)
    }
}

impl Neg for Num {
    type Output = Num;
    fn neg(self) -> Num {
        match self {
            Num::Int(i) => i.checked_neg().map_or(Num::Float(-(i as f64)), Num::Int),
            Num::Float(f) => Num::Float(-f),
        }
    }
}

/// A field usable where a `vd` expression expects a number.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used as a number in a `vd` expression",
    note = "numbers are the integer and float types; use len($) for lengths"
)]
pub trait VdNum {
    /// The value as a [`Num`].
    fn vd_num(&self) -> Num;
}

macro_rules! vd_num_int {
    ($($t:ty),*) => {$(
        impl VdNum for $t {
            fn vd_num(&self) -> Num {
                Num::Int(*self as i128)
            }
        }
    )*};
}
vd_num_int!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

impl VdNum for i128 {
    fn vd_num(&self) -> Num {
        Num::Int(*self)
    }
}

impl VdNum for u128 {
    fn vd_num(&self) -> Num {
        i128::try_from(*self).map_or(Num::Float(*self as f64), Num::Int)
    }
}

impl VdNum for f32 {
    fn vd_num(&self) -> Num {
        Num::Float(f64::from(*self))
    }
}

impl VdNum for f64 {
    fn vd_num(&self) -> Num {
        Num::Float(*self)
    }
}

macro_rules! vd_num_nonzero {
    ($($t:ty),*) => {$(
        impl VdNum for $t {
            fn vd_num(&self) -> Num {
                self.get().vd_num()
            }
        }
    )*};
}
vd_num_nonzero!(
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
    NonZeroUsize
);

impl<T: VdNum + ?Sized> VdNum for &T {
    fn vd_num(&self) -> Num {
        (**self).vd_num()
    }
}

/// A field usable where a `vd` expression expects a string.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used as a string in a `vd` expression",
    note = "strings are String, str, Box<str>, Arc<str> and Cow<str>"
)]
pub trait VdStr {
    /// The value as text.
    fn vd_str(&self) -> &str;
}

impl VdStr for str {
    fn vd_str(&self) -> &str {
        self
    }
}

impl VdStr for String {
    fn vd_str(&self) -> &str {
        self
    }
}

impl VdStr for Box<str> {
    fn vd_str(&self) -> &str {
        self
    }
}

impl VdStr for Arc<str> {
    fn vd_str(&self) -> &str {
        self
    }
}

impl VdStr for Cow<'_, str> {
    fn vd_str(&self) -> &str {
        self
    }
}

impl<T: VdStr + ?Sized> VdStr for &T {
    fn vd_str(&self) -> &str {
        (**self).vd_str()
    }
}

/// A field usable where a `vd` expression expects a boolean.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used as a boolean in a `vd` expression"
)]
pub trait VdBool {
    /// The value as a boolean.
    fn vd_bool(&self) -> bool;
}

impl VdBool for bool {
    fn vd_bool(&self) -> bool {
        *self
    }
}

impl<T: VdBool + ?Sized> VdBool for &T {
    fn vd_bool(&self) -> bool {
        (**self).vd_bool()
    }
}

/// A field usable in `len($)` / `mblen($)`.
///
/// `len` of a string is its length in **bytes** (as Go's `len`, which Hertz
/// uses); `mblen` counts chars. For collections both count elements.
#[diagnostic::on_unimplemented(message = "`{Self}` has no length for `len()` in a `vd` expression")]
pub trait VdLen {
    /// Bytes for strings, elements for collections.
    fn vd_len(&self) -> usize;
    /// Chars for strings, elements for collections.
    fn vd_mblen(&self) -> usize {
        self.vd_len()
    }
}

macro_rules! vd_len_str {
    ($($t:ty),*) => {$(
        impl VdLen for $t {
            fn vd_len(&self) -> usize {
                self.len()
            }
            fn vd_mblen(&self) -> usize {
                self.chars().count()
            }
        }
    )*};
}
vd_len_str!(str, String, Box<str>, Arc<str>, Cow<'_, str>);

impl<T> VdLen for [T] {
    fn vd_len(&self) -> usize {
        self.len()
    }
}

impl<T> VdLen for Vec<T> {
    fn vd_len(&self) -> usize {
        self.len()
    }
}

impl<T> VdLen for VecDeque<T> {
    fn vd_len(&self) -> usize {
        self.len()
    }
}

impl<K, V, S> VdLen for HashMap<K, V, S> {
    fn vd_len(&self) -> usize {
        self.len()
    }
}

impl<K, V> VdLen for BTreeMap<K, V> {
    fn vd_len(&self) -> usize {
        self.len()
    }
}

impl<T, S> VdLen for HashSet<T, S> {
    fn vd_len(&self) -> usize {
        self.len()
    }
}

impl<T> VdLen for BTreeSet<T> {
    fn vd_len(&self) -> usize {
        self.len()
    }
}

impl VdLen for Bytes {
    fn vd_len(&self) -> usize {
        self.len()
    }
}

impl<T: VdLen + ?Sized> VdLen for &T {
    fn vd_len(&self) -> usize {
        (**self).vd_len()
    }
    fn vd_mblen(&self) -> usize {
        (**self).vd_mblen()
    }
}

/// A dynamically typed value, for comparing two field references whose
/// types the derive cannot see (`$ == (other)$`). Values of different kinds
/// are never equal and never ordered.
#[derive(Debug, Clone, Copy)]
pub enum Val<'a> {
    /// A number.
    Num(Num),
    /// A string.
    Str(&'a str),
    /// A boolean.
    Bool(bool),
}

impl PartialEq for Val<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.partial_cmp(other) == Some(Ordering::Equal)
    }
}

impl PartialOrd for Val<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        match (self, other) {
            (Val::Num(a), Val::Num(b)) => a.partial_cmp(b),
            (Val::Str(a), Val::Str(b)) => a.partial_cmp(b),
            (Val::Bool(a), Val::Bool(b)) => a.partial_cmp(b),
            _ => None,
        }
    }
}

/// A field comparable with another field in a `vd` expression.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be compared with another field in a `vd` expression"
)]
pub trait VdValue {
    /// The value as a [`Val`].
    fn vd_value(&self) -> Val<'_>;
}

macro_rules! vd_value_num {
    ($($t:ty),*) => {$(
        impl VdValue for $t {
            fn vd_value(&self) -> Val<'_> {
                Val::Num(self.vd_num())
            }
        }
    )*};
}
vd_value_num!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64);

macro_rules! vd_value_str {
    ($($t:ty),*) => {$(
        impl VdValue for $t {
            fn vd_value(&self) -> Val<'_> {
                Val::Str(self.vd_str())
            }
        }
    )*};
}
vd_value_str!(str, String, Box<str>, Arc<str>, Cow<'_, str>);

impl VdValue for bool {
    fn vd_value(&self) -> Val<'_> {
        Val::Bool(*self)
    }
}

impl<T: VdValue + ?Sized> VdValue for &T {
    fn vd_value(&self) -> Val<'_> {
        (**self).vd_value()
    }
}

/// `regexp(...)`: unanchored match, as Go's `MatchString`. The pattern was
/// checked when the derive ran; should it still fail to compile here the rule
/// fails rather than panicking.
pub fn is_match(re: &LazyLock<Option<Regex>>, s: &str) -> bool {
    re.as_ref().is_some_and(|re| re.is_match(s))
}

/// The pattern of Hertz's `email()` validator function (go-tagexpr).
pub const EMAIL_PATTERN: &str =
    r"^([A-Za-z0-9_\-\.\x{4e00}-\x{9fa5}])+@([A-Za-z0-9_\-\.])+\.([A-Za-z]{2,8})$";

static EMAIL: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(EMAIL_PATTERN).ok());

/// `email(...)`.
pub fn email(s: &str) -> bool {
    is_match(&EMAIL, s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn num_arithmetic_and_comparison() {
        use Num::*;
        assert!(Int(3) < Int(4));
        assert!(Int(3) == Float(3.0));
        assert!(Float(2.5) > Int(2));
        let nan = Float(f64::NAN);
        assert!(nan != Float(f64::NAN));
        assert_eq!(nan.partial_cmp(&Int(1)), None);
        assert!(Int(7) / Int(2) == Float(3.5));
        assert!(Int(8) / Int(2) == Int(4));
        assert!(matches!(Int(1) / Int(0), Float(f) if f.is_infinite()));
        assert!(matches!(Int(1) % Int(0), Float(f) if f.is_nan()));
        assert!(matches!(Int(i128::MIN) / Int(-1), Float(_)));
        assert!(matches!(Int(i128::MIN) % Int(-1), Float(_) | Int(0)));
        assert!(matches!(-Int(i128::MIN), Float(_)));
        assert!(Int(i128::MAX) + Int(1) > Int(i128::MAX));
        assert!(Int(7) % Int(2) == Int(1));
        assert!(u128::MAX.vd_num() > Int(0));
        assert!(Int(i128::MAX) < Float(1e39));
        assert!(Int(i128::MIN) > Float(-1e39));
        assert!(Int(2) > Float(1.5) && Int(1) < Float(1.5) && Float(-1.5) < Int(-1));
        assert!(Int((1 << 60) + 1) > Float((1u64 << 60) as f64));
    }

    #[test]
    fn lengths_and_values() {
        assert_eq!("héllo".vd_len(), 6);
        assert_eq!("héllo".vd_mblen(), 5);
        assert_eq!(vec![1, 2].vd_len(), 2);
        assert!(Val::Str("a") < Val::Str("b"));
        assert!(Val::Num(Num::Int(1)) != Val::Str("1"));
        assert!(email("a.b@example.com"));
        assert!(!email("not-an-email"));
    }
}
