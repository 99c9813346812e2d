//! Form bodies: `application/x-www-form-urlencoded` or `multipart/form-data`,
//! chosen by the request's `Content-Type` (Hertz's `c.PostForm`,
//! `c.FormFile`).
//!
//! [`Form::parse`] decodes the body once; the free functions [`value`],
//! [`values`] and [`file()`] are one-shot conveniences that parse on every call
//! (cache a [`Form`] when asking for several keys).

use std::borrow::Cow;

use crate::multipart::{self, FilePart, Multipart, MultipartError};
use crate::{mime, query, RequestView};

/// A decoded form body.
#[derive(Debug, Clone, Default)]
pub struct Form<'a> {
    repr: Repr<'a>,
}

#[derive(Debug, Clone, Default)]
enum Repr<'a> {
    /// Not a form content type: no fields.
    #[default]
    Empty,
    UrlEncoded(Vec<(Cow<'a, str>, Cow<'a, str>)>),
    Multipart(Multipart),
}

impl<'a> Form<'a> {
    /// Decodes `req`'s body according to its `Content-Type`. Any other
    /// content type gives an empty form. Only a malformed multipart body is
    /// an error (urlencoded decoding cannot fail).
    pub fn parse<R: RequestView + ?Sized>(req: &'a R) -> Result<Self, MultipartError> {
        let Some(ct) = req.header("content-type") else {
            return Ok(Form::default());
        };
        let repr = if mime::is_urlencoded(ct) {
            Repr::UrlEncoded(query::pairs(req.body()).collect())
        } else if mime::is_multipart(ct) {
            Repr::Multipart(multipart::parse(&req.body_bytes(), ct)?)
        } else {
            Repr::Empty
        };
        Ok(Form { repr })
    }

    /// The first value of field `name`.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.values(name).next()
    }

    /// Every value of field `name`, in order.
    pub fn values<'s, 'n>(&'s self, name: &'n str) -> Values<'s, 'n> {
        let inner = match &self.repr {
            Repr::Empty => ValuesRepr::Empty,
            Repr::UrlEncoded(pairs) => ValuesRepr::UrlEncoded(pairs.iter()),
            Repr::Multipart(m) => ValuesRepr::Multipart(m.fields.iter()),
        };
        Values { inner, name }
    }

    /// The first uploaded file called `name` (multipart only).
    pub fn file(&self, name: &str) -> Option<&FilePart> {
        self.multipart().and_then(|m| m.file(name))
    }

    /// Every uploaded file called `name`, in order (multipart only).
    pub fn files<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s FilePart> + 's {
        self.multipart()
            .into_iter()
            .flat_map(move |m| m.files(name))
    }

    /// The parsed multipart body, if the request was multipart.
    pub fn multipart(&self) -> Option<&Multipart> {
        match &self.repr {
            Repr::Multipart(m) => Some(m),
            _ => None,
        }
    }
}

/// Iterator over the values of one form field; see [`Form::values`].
#[derive(Debug, Clone)]
pub struct Values<'s, 'n> {
    inner: ValuesRepr<'s>,
    name: &'n str,
}

#[derive(Debug, Clone)]
enum ValuesRepr<'s> {
    Empty,
    UrlEncoded(std::slice::Iter<'s, (Cow<'s, str>, Cow<'s, str>)>),
    Multipart(std::slice::Iter<'s, (String, String)>),
}

impl<'s> Iterator for Values<'s, '_> {
    type Item = &'s str;

    fn next(&mut self) -> Option<&'s str> {
        let name = self.name;
        match &mut self.inner {
            ValuesRepr::Empty => None,
            ValuesRepr::UrlEncoded(it) => it.find(|(k, _)| k == name).map(|(_, v)| v.as_ref()),
            ValuesRepr::Multipart(it) => it.find(|(k, _)| k == name).map(|(_, v)| v.as_str()),
        }
    }
}

/// The first value of form field `name` in `req`'s body (urlencoded or
/// multipart). `None` if absent, or if the multipart body is malformed (use
/// [`Form::parse`] to see that error).
pub fn value<'a, R: RequestView + ?Sized>(req: &'a R, name: &str) -> Option<Cow<'a, str>> {
    let form = Form::parse(req).ok()?;
    match form.repr {
        Repr::Empty => None,
        Repr::UrlEncoded(pairs) => pairs.into_iter().find(|(k, _)| k == name).map(|(_, v)| v),
        Repr::Multipart(m) => m.value(name).map(|v| Cow::Owned(v.to_owned())),
    }
}

/// Every value of form field `name` in `req`'s body; empty on a malformed
/// multipart body.
pub fn values<'a, R: RequestView + ?Sized>(req: &'a R, name: &str) -> Vec<Cow<'a, str>> {
    let Ok(form) = Form::parse(req) else {
        return Vec::new();
    };
    match form.repr {
        Repr::Empty => Vec::new(),
        Repr::UrlEncoded(pairs) => pairs
            .into_iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v)
            .collect(),
        Repr::Multipart(m) => m.values(name).map(|v| Cow::Owned(v.to_owned())).collect(),
    }
}

/// The first uploaded file called `name` (`c.form_file("k")`); `None` if
/// absent, not multipart, or malformed.
pub fn file<R: RequestView + ?Sized>(req: &R, name: &str) -> Option<FilePart> {
    let form = Form::parse(req).ok()?;
    form.file(name).cloned()
}
