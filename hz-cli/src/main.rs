//! `hz`: scaffolds and updates hertz-rs projects from Thrift or Protobuf IDL — the Rust
//! counterpart of CloudWeGo Hertz's `hz`.
//!
//! ```text
//!   .thrift ─▶ thrift/ (pilota-thrift-parser) ─┐
//!                                              ├─▶ ir (+ annotations) ─▶ gen/ ─▶ write ─▶ project
//!   .proto ──▶ proto/ (protox, prost-reflect) ─┘      model, handler, router,   plan, stage,
//!                                                     openapi, client, scaffold move, report
//! ```
//!
//! The generated project sits on top of hertz-rs: its code targets `hertz_core`
//! (`Engine`, `Routes`, `RequestContext`, `#[derive(Bind)]`). Who owns each generated file,
//! and so what `hz update` may do to it, is decided in [`gen::Content`]: generated files are
//! rewritten, user files are created once, handler and middleware files only grow.
//! See `hz-cli/README.md` for usage.

mod annotations;
mod check;
mod cli;
mod commands;
mod error;
mod gen;
mod ir;
mod layout;
mod location;
mod merge;
mod names;
mod proto;
mod rustfmt;
mod thrift;
mod write;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match commands::run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}
