//! The four commands, each: read the IDL, build the outputs, plan them against the
//! project on disk, then write everything or nothing.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::annotations::Warnings;
use crate::cli::{ClientArgs, Command, HertzArgs, ModelArgs, NewArgs, UpdateArgs};
use crate::error::{Error, ErrorKind, Result};
use crate::gen::{client, handler, model, modtree, openapi, project, router, Content, Output};
use crate::ir::Idl;
use crate::layout::{self, crate_path, relative_to, HertzDep, Layout, Manifest, ModPath, MANIFEST};
use crate::rustfmt::Rustfmt;
use crate::write::{self, ScaffoldMode};
use crate::{proto, thrift};

/// Runs one command.
pub(crate) fn run(command: Command) -> Result<()> {
    match command {
        Command::New(args) => new(args),
        Command::Update(args) => update(args),
        Command::Model(args) => model_only(args),
        Command::Client(args) => client_only(args),
    }
}

/// Reads every IDL file (Thrift and Protobuf may be mixed) and prints the warnings.
fn load(idls: &[PathBuf], includes: &[PathBuf]) -> Result<Idl> {
    if idls.is_empty() {
        return Err(Error::new(
            ErrorKind::Project,
            "no IDL given: pass --idl FILE",
        ));
    }
    let mut thrift_files = Vec::new();
    let mut proto_files = Vec::new();
    for p in idls {
        match p.extension().and_then(|e| e.to_str()) {
            Some("thrift") => thrift_files.push(p.clone()),
            Some("proto") => proto_files.push(p.clone()),
            _ => {
                return Err(Error::new(
                    ErrorKind::Project,
                    format!("{}: not a .thrift or .proto file", p.display()),
                ))
            }
        }
    }
    let mut idl = Idl::default();
    let mut warnings = Warnings::default();
    if !thrift_files.is_empty() {
        thrift::load(&thrift_files, includes, &mut idl, &mut warnings)?;
    }
    if !proto_files.is_empty() {
        proto::load(&proto_files, includes, &mut idl, &mut warnings)?;
    }
    for (i, a) in idl.files.iter().enumerate() {
        if let Some(b) = idl.files[..i]
            .iter()
            .find(|b| b.namespace == a.namespace && b.stem == a.stem)
        {
            return Err(Error::unsupported(format!(
                "{} and {} would both generate the same model module",
                b.path.display(),
                a.path.display()
            )));
        }
    }
    for w in &warnings.0 {
        eprintln!("warning: {w}");
    }
    crate::check::names(&idl)?;
    Ok(idl)
}

/// Makes IDL paths in generated comments relative to the project, so they do not depend
/// on where hz was run from.
fn relabel(idl: &mut Idl, root: &Path) {
    for f in &mut idl.files {
        f.doc_path = relative_to(&f.path, root);
    }
}

fn check_crate_name(name: &str) -> Result<()> {
    let ok = name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ok {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::Project,
            format!("--module `{name}` is not a valid crate name (letters, digits, `_`, `-`; a letter first)"),
        ))
    }
}

/// Everything a server project consists of.
fn project_outputs(
    idl: &Idl,
    layout: &Layout,
    module: &str,
    manifest: &Manifest,
) -> Result<Vec<Output>> {
    let mut outs = vec![
        project::cargo_toml(module, &manifest.hertz),
        project::main_rs(module, layout),
        project::router_rs(layout),
        project::gitignore(),
    ];
    outs.extend(project::cargo_lock(&manifest.hertz));
    let mut modules: Vec<ModPath> = Vec::new();
    for f in &idl.files {
        modules.push(layout.model_module(&f.namespace, &f.stem));
        outs.push(model::model_file(f, layout)?);
    }
    let (ping_module, ping) = project::ping(layout);
    modules.push(ping_module);
    outs.push(ping);
    for (module, out) in handler::handler_files(idl, layout) {
        modules.push(module);
        outs.push(out);
    }
    let mut with_routes = HashSet::new();
    for f in idl.main_files() {
        if let Some((r, mw)) = router::router_files(f, layout)? {
            let m = layout.router_module(f);
            with_routes.insert(crate_path(&m));
            modules.push(m);
            modules.push(layout.middleware_module(f));
            outs.push(r);
            outs.push(mw);
        }
    }
    outs.push(router::router_gen(idl, layout, &with_routes));
    outs.extend(modtree::mod_files(&modules));
    outs.push(openapi::openapi(idl, module));
    outs.push(Output {
        path: MANIFEST.into(),
        content: Content::Generated(manifest.render()),
    });
    Ok(outs)
}

/// Plans, writes and reports.
fn finish(root: &Path, outs: Vec<Output>, mode: ScaffoldMode) -> Result<()> {
    let fmt = Rustfmt::detect();
    let planned = write::plan(root, outs, &fmt, mode)?;
    for f in fmt.failures() {
        // Our templates should always format; if not, say so rather than hide it.
        eprintln!("warning: {f}");
    }
    write::commit(root, &planned)?;
    write::report(root, &planned);
    if !fmt.is_available() {
        eprintln!("warning: rustfmt not found: generated code was written unformatted");
    }
    Ok(())
}

fn new(args: NewArgs) -> Result<()> {
    check_crate_name(&args.module)?;
    let root = args
        .out_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(&args.module));
    if !args.force {
        for marker in [MANIFEST, "Cargo.toml"] {
            if root.join(marker).exists() {
                return Err(Error::new(
                    ErrorKind::Project,
                    format!(
                        "{} already holds a project ({marker} exists): use `hz update` to regenerate it, or `hz new --force` to overwrite its scaffold",
                        root.display()
                    ),
                ));
            }
        }
    }
    let layout = Layout {
        handler: dir_or(
            &args.dirs.handler_dir,
            "--handler-dir",
            Layout::default().handler,
        )?,
        model: dir_or(&args.dirs.model_dir, "--model-dir", Layout::default().model)?,
        router: dir_or(
            &args.dirs.router_dir,
            "--router-dir",
            Layout::default().router,
        )?,
    };
    let hertz = hertz_dep(&args.hertz, "hertz-core")?.unwrap_or_else(default_hertz);
    let mut idl = load(&args.idl.idl, &args.idl.include)?;
    relabel(&mut idl, &root);
    let manifest = Manifest {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        layout: layout.clone(),
        hertz,
        idls: args.idl.idl.iter().map(|p| relative_to(p, &root)).collect(),
        includes: args
            .idl
            .include
            .iter()
            .map(|p| relative_to(p, &root))
            .collect(),
    };
    let outs = project_outputs(&idl, &layout, &args.module, &manifest)?;
    let mode = if args.force {
        ScaffoldMode::Overwrite
    } else {
        ScaffoldMode::CreateMissing
    };
    finish(&root, outs, mode)?;
    println!("\nNext: cd {} && cargo run", root.display());
    Ok(())
}

/// `--hertz-path` / `--hertz-version`, if given; `krate` must exist under the path.
fn hertz_dep(args: &HertzArgs, krate: &str) -> Result<Option<HertzDep>> {
    Ok(match (&args.hertz_path, &args.hertz_version) {
        (Some(p), _) => {
            let abs = p
                .canonicalize()
                .map_err(|e| Error::io("--hertz-path", p, e))?;
            if !abs.join(krate).join("Cargo.toml").is_file() {
                return Err(Error::new(
                    ErrorKind::Project,
                    format!("--hertz-path {}: no {krate}/Cargo.toml there (give the hertz-rs workspace directory)", p.display()),
                ));
            }
            Some(HertzDep::Path(abs))
        }
        (None, Some(v)) => Some(HertzDep::Version(v.clone())),
        (None, None) => None,
    })
}

/// hz's own version of hertz.
fn default_hertz() -> HertzDep {
    HertzDep::Version(env!("CARGO_PKG_VERSION").to_owned())
}

fn dir_or(flag: &Option<String>, name: &str, default: ModPath) -> Result<ModPath> {
    match flag {
        Some(d) => layout::parse_dir(name, d),
        None => Ok(default),
    }
}

fn read_manifest(root: &Path) -> Result<Option<Manifest>> {
    let path = root.join(MANIFEST);
    match std::fs::read_to_string(&path) {
        Ok(text) => Manifest::parse(&path, &text).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io("cannot read", &path, e)),
    }
}

/// The recorded paths (relative to the project) followed by the new ones (relative to the
/// current directory), without duplicates; as paths usable from here.
fn merge_paths(root: &Path, recorded: &[PathBuf], given: &[PathBuf]) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::new();
    let mut seen: Vec<PathBuf> = Vec::new();
    let from_root = recorded.iter().map(|p| {
        if p.is_absolute() || root == Path::new(".") {
            p.clone()
        } else {
            root.join(p)
        }
    });
    for p in from_root.chain(given.iter().cloned()) {
        let key = p.canonicalize().unwrap_or_else(|_| p.clone());
        if !seen.contains(&key) {
            seen.push(key);
            out.push(p);
        }
    }
    out
}

fn crate_name(root: &Path) -> String {
    std::fs::read_to_string(root.join("Cargo.toml"))
        .ok()
        .and_then(|t| {
            t.lines().find_map(|l| {
                l.trim()
                    .strip_prefix("name = ")
                    .map(|n| n.trim_matches('"').to_owned())
            })
        })
        .unwrap_or_else(|| "api".to_owned())
}

fn update(args: UpdateArgs) -> Result<()> {
    let root = args.out_dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let Some(mut manifest) = read_manifest(&root)? else {
        return Err(Error::new(
            ErrorKind::Project,
            format!("{}: no {MANIFEST} here, so not an hz project: run `hz new` first (or pass --out-dir)", root.display()),
        ));
    };
    let idls = merge_paths(&root, &manifest.idls, &args.idl.idl);
    let includes = merge_paths(&root, &manifest.includes, &args.idl.include);
    let mut idl = load(&idls, &includes)?;
    relabel(&mut idl, &root);
    manifest.idls = idls.iter().map(|p| relative_to(p, &root)).collect();
    manifest.includes = includes.iter().map(|p| relative_to(p, &root)).collect();
    manifest.version = env!("CARGO_PKG_VERSION").to_owned();
    let layout = manifest.layout.clone();
    let outs = project_outputs(&idl, &layout, &crate_name(&root), &manifest)?;
    finish(&root, outs, ScaffoldMode::Keep)
}

/// The layout of the project at `root` if it has one, with `--model-dir` applied.
fn existing_layout(root: &Path, model_dir: &Option<String>) -> Result<Layout> {
    let mut layout = read_manifest(root)?.map(|m| m.layout).unwrap_or_default();
    if let Some(d) = model_dir {
        layout.model = layout::parse_dir("--model-dir", d)?;
    }
    Ok(layout)
}

fn model_outputs(idl: &Idl, layout: &Layout) -> Result<(Vec<Output>, Vec<ModPath>)> {
    let mut outs = Vec::new();
    let mut modules = Vec::new();
    for f in &idl.files {
        modules.push(layout.model_module(&f.namespace, &f.stem));
        outs.push(model::model_file(f, layout)?);
    }
    Ok((outs, modules))
}

fn model_only(args: ModelArgs) -> Result<()> {
    let root = args.out_dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let layout = existing_layout(&root, &args.model_dir)?;
    let mut idl = load(&args.idl.idl, &args.idl.include)?;
    relabel(&mut idl, &root);
    let (mut outs, modules) = model_outputs(&idl, &layout)?;
    outs.extend(modtree::mod_files(&modules));
    finish(&root, outs, ScaffoldMode::Keep)?;
    println!(
        "\nAdd `mod {};` to src/main.rs (or lib.rs) if it is not there yet.",
        layout.model[0]
    );
    Ok(())
}

fn client_only(args: ClientArgs) -> Result<()> {
    let root = args.out_dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let layout = existing_layout(&root, &args.model_dir)?;
    // The flags, else the project's own hertz (`.hz`), else hz's version.
    let hertz = match hertz_dep(&args.hertz, "hertz-client")? {
        Some(dep) => dep,
        None => read_manifest(&root)?.map_or_else(default_hertz, |m| m.hertz),
    };
    let client_dir = match &args.client_dir {
        Some(d) => layout::parse_dir("--client-dir", d)?,
        None => vec!["biz".to_owned(), "client".to_owned()],
    };
    let mut idl = load(&args.idl.idl, &args.idl.include)?;
    relabel(&mut idl, &root);
    let (mut outs, mut modules) = model_outputs(&idl, &layout)?;
    for (module, out) in client::client_files(&idl, &layout, &client_dir)? {
        modules.push(module);
        outs.push(out);
    }
    outs.extend(modtree::mod_files(&modules));
    finish(&root, outs, ScaffoldMode::Keep)?;
    let mut roots = vec![layout.model[0].clone()];
    if !roots.contains(&client_dir[0]) {
        roots.push(client_dir[0].clone());
    }
    // The dependencies the generated code uses that the crate does not name yet.
    let manifest_text = std::fs::read_to_string(root.join("Cargo.toml")).unwrap_or_default();
    let missing: Vec<String> = [
        project::hertz_dep(&hertz),
        project::crate_dep("hertz-client", &hertz),
        "serde = { version = \"1\", features = [\"derive\"] }".to_owned(),
        "serde_json = \"1\"".to_owned(),
    ]
    .into_iter()
    .filter(|line| {
        let name = line.split(' ').next().unwrap_or_default();
        !manifest_text.lines().any(|l| {
            l.trim_start().starts_with(&format!("{name} "))
                || l.trim_start().starts_with(&format!("{name}="))
        })
    })
    .collect();
    if !missing.is_empty() {
        println!(
            "\nThe client is built on hertz-client; add to Cargo.toml's [dependencies]:\n{}",
            missing
                .iter()
                .map(|l| format!("    {l}\n"))
                .collect::<String>()
        );
    }
    println!(
        "{}Add `mod {};` to src/main.rs or lib.rs if missing; the calls need a tokio runtime.",
        if missing.is_empty() { "\n" } else { "" },
        roots.join("; mod ")
    );
    Ok(())
}
