//! The command line: `hz new | update | model | client`. Flag names follow Hertz's hz
//! (`--idl`, `--module`, `--out-dir`, `--handler-dir`, `-I`…), with Hertz's underscore
//! spellings accepted as aliases so existing scripts keep working.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// hz: scaffold and update hertz-rs projects from Thrift or Protobuf IDL.
#[derive(Parser, Debug)]
#[command(name = "hz", version, about, long_about = None)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// Create a project: Cargo.toml, main.rs, routers, handlers and models from the IDL.
    New(NewArgs),
    /// Regenerate models and routers after the IDL changed; append new handlers.
    Update(UpdateArgs),
    /// Generate only the model types.
    Model(ModelArgs),
    /// Generate a typed HTTP client for the IDL's services.
    Client(ClientArgs),
}

/// IDL input shared by every command.
#[derive(Args, Debug, Clone)]
pub(crate) struct IdlArgs {
    /// IDL file (.thrift or .proto); repeat for several.
    #[arg(long = "idl", value_name = "FILE")]
    pub(crate) idl: Vec<PathBuf>,
    /// Directory to search for included / imported IDL files; repeatable.
    #[arg(short = 'I', long = "proto-path", value_name = "DIR")]
    pub(crate) include: Vec<PathBuf>,
}

/// Where generated code goes (relative to `src/`).
#[derive(Args, Debug, Clone, Default)]
pub(crate) struct DirArgs {
    /// Handler directory [default: biz/handler].
    #[arg(long, alias = "handler_dir", value_name = "DIR")]
    pub(crate) handler_dir: Option<String>,
    /// Model directory [default: biz/model].
    #[arg(long, alias = "model_dir", value_name = "DIR")]
    pub(crate) model_dir: Option<String>,
    /// Router directory [default: biz/router].
    #[arg(long, alias = "router_dir", value_name = "DIR")]
    pub(crate) router_dir: Option<String>,
}

#[derive(Args, Debug)]
pub(crate) struct NewArgs {
    #[command(flatten)]
    pub(crate) idl: IdlArgs,
    /// Crate name of the new project.
    #[arg(long, alias = "mod", value_name = "NAME")]
    pub(crate) module: String,
    /// Project directory [default: ./<module>].
    #[arg(long, alias = "out_dir", value_name = "DIR")]
    pub(crate) out_dir: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) dirs: DirArgs,
    /// Overwrite an existing project's scaffold (handlers are still only appended to).
    #[arg(long)]
    pub(crate) force: bool,
    #[command(flatten)]
    pub(crate) hertz: HertzArgs,
}

/// How the project depends on hertz.
#[derive(Args, Debug, Clone, Default)]
pub(crate) struct HertzArgs {
    /// Depend on a local hertz-rs checkout (the workspace directory holding hertz-core/ and hertz-client/).
    #[arg(long, value_name = "DIR", conflicts_with = "hertz_version")]
    pub(crate) hertz_path: Option<PathBuf>,
    /// Depend on this crates.io version of hertz-core / hertz-client [default: hz's own version].
    #[arg(long, value_name = "VERSION")]
    pub(crate) hertz_version: Option<String>,
}

#[derive(Args, Debug)]
pub(crate) struct UpdateArgs {
    /// IDL files to add; the ones recorded in `.hz` are always regenerated.
    #[command(flatten)]
    pub(crate) idl: IdlArgs,
    /// Project directory [default: .].
    #[arg(long, alias = "out_dir", value_name = "DIR")]
    pub(crate) out_dir: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub(crate) struct ModelArgs {
    #[command(flatten)]
    pub(crate) idl: IdlArgs,
    /// Project directory [default: .].
    #[arg(long, alias = "out_dir", value_name = "DIR")]
    pub(crate) out_dir: Option<PathBuf>,
    /// Model directory [default: the project's, else biz/model].
    #[arg(long, alias = "model_dir", value_name = "DIR")]
    pub(crate) model_dir: Option<String>,
}

#[derive(Args, Debug)]
pub(crate) struct ClientArgs {
    #[command(flatten)]
    pub(crate) idl: IdlArgs,
    /// Project directory [default: .].
    #[arg(long, alias = "out_dir", value_name = "DIR")]
    pub(crate) out_dir: Option<PathBuf>,
    /// Model directory [default: the project's, else biz/model].
    #[arg(long, alias = "model_dir", value_name = "DIR")]
    pub(crate) model_dir: Option<String>,
    /// Client directory [default: biz/client].
    #[arg(long, alias = "client_dir", value_name = "DIR")]
    pub(crate) client_dir: Option<String>,
    // Where the client's `hertz-client` comes from [default: the project's `.hz`, else hz's
    // own version].
    #[command(flatten)]
    pub(crate) hertz: HertzArgs,
}
