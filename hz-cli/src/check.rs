//! Checks on the lowered IDL that the front ends cannot make alone: IDL names that become
//! the same Rust name (`userName` and `user_name` are both `user_name`), which would
//! otherwise surface as a compile error in the generated project, or as a handler silently
//! shared by two methods.

use crate::error::{Error, Result};
use crate::ir::Idl;

/// Fails on the first collision, naming both IDL names.
pub(crate) fn names(idl: &Idl) -> Result<()> {
    for file in &idl.files {
        let path = file.path.display();
        let mut types: Vec<(&str, &str)> = Vec::new();
        for name in file
            .structs
            .iter()
            .map(|s| &s.name)
            .chain(file.enums.iter().map(|e| &e.name))
        {
            if types.iter().any(|(n, _)| n == name) {
                return Err(Error::unsupported(format!(
                    "{path}: two types become the Rust type `{name}`; rename one"
                )));
            }
            types.push((name, name));
        }
        for s in &file.structs {
            let mut seen: Vec<(&str, &str)> = Vec::new();
            for f in &s.fields {
                if let Some((_, other)) = seen.iter().find(|(rust, _)| *rust == f.rust_name) {
                    return Err(Error::unsupported(format!(
                        "{}: fields `{other}` and `{}` of `{}` both become the Rust field `{}`; rename one",
                        f.at, f.idl_name, s.name, f.rust_name
                    )));
                }
                seen.push((&f.rust_name, &f.idl_name));
            }
        }
        for svc in &file.services {
            let mut seen: Vec<(&str, &str)> = Vec::new();
            for m in &svc.methods {
                if let Some((_, other)) = seen.iter().find(|(h, _)| *h == m.handler) {
                    return Err(Error::unsupported(format!(
                        "{path}: methods `{}.{other}` and `{}.{}` both become the handler `{}`; rename one",
                        svc.name, svc.name, m.name, m.handler
                    )));
                }
                seen.push((&m.handler, &m.name));
            }
        }
    }
    Ok(())
}
