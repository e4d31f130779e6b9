//! The `vitrine` binary: serve the API, migrate, print the spec, manage API
//! keys. `vitrine --help` lists the commands and the settings.

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use uuid::Uuid;
use vitrine::catalogue::api_key::{display_prefix, ApiKey, ApiKeyFilter, ApiKeyInput, Role};
use vitrine::catalogue::page::PageRequest;
use vitrine::catalogue::Actor;
use vitrine::config::{Config, SETTINGS};
use vitrine::service::transfer;
use vitrine::{startup, telemetry};

/// An ITIL 4 product and service catalogue with a customer view, served as
/// REST/JSON.
#[derive(Debug, Parser)]
#[command(name = "vitrine", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Migrate the database, then serve the API (what `vitrine` alone does).
    Serve,
    /// Apply the pending migrations and exit.
    Migrate,
    /// Print the OpenAPI spec the server serves at /openapi.json, or that
    /// of a TM Forum facade.
    Openapi {
        /// `native` (/api/v1, served at /openapi.json), `tmf620` or
        /// `tmf633` (served at /tmf-api/{api}/openapi.json).
        #[arg(default_value = "native", value_parser = ["native", "tmf620", "tmf633"])]
        api: String,
    },
    /// Create, list and revoke API keys, without a running server.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Write the catalogue as one JSON document to standard output.
    Export {
        /// These kinds only, separated by commas (resources, products,
        /// components, services, consumer_groups, offerings, customers,
        /// agreements, overlays).
        #[arg(long)]
        kinds: Option<String>,
        /// Entities changed at or after this time only (RFC 3339).
        #[arg(long)]
        changed_since: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// Fill an empty catalogue with a realistic one, the same for the same
    /// seed and scale (for benchmarks and demonstrations).
    Seed {
        /// `small` (about 3,200 entities), `medium` (32,000), `large`
        /// (320,000), or a factor of large such as `0.5`.
        #[arg(long, default_value = "small")]
        scale: String,
        /// What the catalogue is made from: the same seed, the same
        /// catalogue.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Check the configuration and the database, one line each, changing
    /// nothing; exit 1 when either is unusable.
    Check,
    /// Import a document of `vitrine export`: all of it, or nothing.
    Import {
        /// The document; `-` for standard input.
        file: std::path::PathBuf,
        /// Say what would be created, replaced and left alone; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Create a key and print its secret on standard output, once.
    Create {
        /// What the key may do.
        #[arg(long, value_parser = ["admin", "editor", "viewer", "customer"])]
        role: String,
        /// For a `customer` key, the id of its customer.
        #[arg(long)]
        customer: Option<Uuid>,
        /// What the key is for.
        #[arg(long)]
        name: Option<String>,
    },
    /// List the keys (never their secrets).
    List,
    /// Revoke a key: from now on it authenticates nothing.
    Revoke {
        /// The key's id.
        id: Uuid,
    },
}

/// The settings, as `--help` lists them.
fn settings_help() -> String {
    let width = SETTINGS.iter().map(|s| s.variable.len()).max().unwrap_or(0);
    let mut help = String::from("Settings (environment variables, all optional):\n");
    for s in SETTINGS {
        help.push_str(&format!(
            "  {:width$}  {} (default: {})\n",
            s.variable, s.meaning, s.default
        ));
    }
    help
}

fn cli() -> clap::Command {
    with_settings(Cli::command(), &settings_help())
}

/// Ends the help of `command` and of each of its subcommands with `help`.
fn with_settings(command: clap::Command, help: &str) -> clap::Command {
    let names: Vec<String> = command
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .collect();
    let mut command = command.after_help(help.to_owned());
    for name in names {
        command = command.mut_subcommand(name, |c| with_settings(c, help));
    }
    command
}

fn main() -> ExitCode {
    let cli = match Cli::from_arg_matches(&cli().get_matches()) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::Openapi { api } = &command {
        let document = match api.as_str() {
            "native" => Some(startup::openapi_json()),
            other => vitrine::api::tmf::document(other),
        };
        return match document {
            Some(document) => {
                print!("{document}");
                ExitCode::SUCCESS
            }
            None => {
                eprintln!("vitrine: no API is called {api}");
                ExitCode::from(2)
            }
        };
    }
    if let Command::Check = command {
        return check();
    }
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("vitrine: configuration: {e}");
            return ExitCode::from(2);
        }
    };
    // The server logs what it does; a command says only what went wrong.
    let serving = matches!(command, Command::Serve);
    telemetry::init(config.json_logs, if serving { "info" } else { "warn" });
    let outcome = match command {
        Command::Serve => actix_web::rt::System::new()
            .block_on(startup::serve(config))
            .map_err(|e| e.to_string()),
        Command::Migrate => startup::open_catalogue(&config)
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Command::Keys { command } => keys(&config, command),
        Command::Export {
            kinds,
            changed_since,
        } => export(&config, kinds, changed_since),
        Command::Import { file, dry_run } => import(&config, &file, dry_run),
        Command::Seed { scale, seed } => seed_catalogue(&config, &scale, seed),
        Command::Openapi { .. } | Command::Check => Ok(()),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // libpq ends its messages with a line break: one line each.
            let e = e.trim().replace('\n', " ");
            if serving {
                tracing::error!(error = %e, "vitrine stopped");
            } else {
                eprintln!("vitrine: {e}");
            }
            ExitCode::FAILURE
        }
    }
}

fn check() -> ExitCode {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            println!("configuration: {e}");
            println!("database: not checked");
            return ExitCode::FAILURE;
        }
    };
    println!("configuration: ok");
    telemetry::init(config.json_logs, "error");
    let (lines, usable) = startup::check_database(&config);
    for line in lines {
        println!("{line}");
    }
    if usable {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn keys(config: &Config, command: KeysCommand) -> Result<(), String> {
    let catalogue = startup::open_catalogue(config).map_err(|e| e.to_string())?;
    match command {
        KeysCommand::Create {
            role,
            customer,
            name,
        } => {
            let role = Role::parse(&role).ok_or_else(|| format!("unknown role `{role}`"))?;
            let input = ApiKeyInput {
                name,
                role,
                customer_id: customer,
            };
            let created = catalogue
                .create_api_key(Actor::System, input)
                .map_err(|e| describe(&e))?;
            eprintln!(
                "created {} ({}); the secret below is shown this once:",
                created.key.prefix,
                created.key.fields.role.as_str()
            );
            println!("{}", created.secret);
        }
        KeysCommand::List => {
            let mut after = None;
            loop {
                let page = PageRequest { after, limit: 500 };
                let page = catalogue
                    .list::<ApiKey>((), &ApiKeyFilter::default(), &page)
                    .map_err(|e| describe(&e))?;
                for key in &page.items {
                    println!(
                        "{}  {:8}  {:36}  {}",
                        key.meta.id,
                        key.fields.role.as_str(),
                        key.fields
                            .customer_id
                            .map(|c| c.to_string())
                            .unwrap_or_default(),
                        key.fields.name.as_deref().unwrap_or("")
                    );
                }
                match page.next {
                    Some(next) => after = Some(next),
                    None => break,
                }
            }
        }
        KeysCommand::Revoke { id } => {
            catalogue
                .revoke_api_key(Actor::System, id)
                .map_err(|e| describe(&e))?;
            eprintln!("revoked {}", display_prefix(id));
        }
    }
    Ok(())
}

fn export(
    config: &Config,
    kinds: Option<String>,
    changed_since: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<(), String> {
    let catalogue = startup::open_catalogue(config).map_err(|e| e.to_string())?;
    let kinds = kinds.map(|k| k.split(',').map(str::to_owned).collect::<Vec<_>>());
    if let Some(unknown) = kinds
        .iter()
        .flatten()
        .find(|k| !transfer::KINDS.contains(&k.as_str()))
    {
        return Err(format!(
            "--kinds: `{unknown}` is not one of {}",
            transfer::KINDS.join(", ")
        ));
    }
    let filter = transfer::ExportFilter {
        kinds,
        changed_since,
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let exported = catalogue
        .export_to(&filter, &mut out, |_| {})
        .map_err(|e| describe(&e))?;
    eprintln!(
        "exported {} entities; the change feed was at f{}",
        exported.entities, exported.feed_position
    );
    Ok(())
}

fn import(config: &Config, file: &std::path::Path, dry_run: bool) -> Result<(), String> {
    use std::io::IsTerminal;
    let catalogue = startup::open_catalogue(config).map_err(|e| e.to_string())?;
    let reader: Box<dyn std::io::Read> = if file == std::path::Path::new("-") {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::fs::File::open(file).map_err(|e| format!("{}: {e}", file.display()))?)
    };
    let reader = std::io::BufReader::with_capacity(256 * 1024, reader);
    // A line that counts on a terminal; nothing in a log.
    let terminal = std::io::stderr().is_terminal();
    let started = std::time::Instant::now();
    let mut progress = |read: usize| {
        if terminal && read.is_multiple_of(1000) {
            eprint!(
                "\r{} {read} entities read ({:.0} s)",
                if dry_run { "rehearsing:" } else { "importing:" },
                started.elapsed().as_secs_f64()
            );
        }
    };
    let summary = catalogue
        .import_from(Actor::System, reader, dry_run, &mut progress)
        .map_err(|e| describe(&e))?;
    if terminal {
        eprintln!();
    }
    let counts = |map: &std::collections::BTreeMap<String, usize>| {
        let total: usize = map.values().sum();
        let parts: Vec<String> = map.iter().map(|(k, n)| format!("{n} {k}")).collect();
        if parts.is_empty() {
            "0".to_owned()
        } else {
            format!("{total} ({})", parts.join(", "))
        }
    };
    eprintln!(
        "{} {} entities in {:.1} s: created {}; replaced {}; unchanged {}",
        if dry_run {
            "a dry run read"
        } else {
            "imported"
        },
        summary.total(),
        started.elapsed().as_secs_f64(),
        counts(&summary.created),
        counts(&summary.updated),
        counts(&summary.unchanged),
    );
    Ok(())
}

fn seed_catalogue(config: &Config, scale: &str, seed: u64) -> Result<(), String> {
    use std::io::IsTerminal;
    let scale = vitrine::service::seed::Scale::parse(scale).map_err(|e| format!("--scale: {e}"))?;
    let catalogue = startup::open_catalogue(config).map_err(|e| e.to_string())?;
    // A bar that moves on a terminal; a line per kind in a log.
    let terminal = std::io::stderr().is_terminal();
    let started = std::time::Instant::now();
    let mut progress = |kind: &str, done: usize, total: usize| {
        let filled = (done * 30).checked_div(total).unwrap_or(30);
        if terminal {
            eprint!(
                "\r{kind:>16} [{:<30}] {done}/{total} ({:.1} s)",
                "#".repeat(filled),
                started.elapsed().as_secs_f64()
            );
        }
        if done == total {
            if terminal {
                eprintln!();
            } else {
                eprintln!(
                    "{kind:>16}: {total} ({:.1} s)",
                    started.elapsed().as_secs_f64()
                );
            }
        }
    };
    let seeded = catalogue
        .seed(&scale, seed, &mut progress)
        .map_err(|e| describe(&e))?;
    let total: usize = seeded.counts.iter().map(|(_, n)| n).sum();
    eprintln!(
        "seeded {total} entities in {:.1} s (seed {seed})",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// An error of the catalogue in one line, with the fields it refused.
fn describe(e: &vitrine::service::Error) -> String {
    use vitrine::catalogue::CatalogueError;
    match e {
        vitrine::service::Error::Catalogue(CatalogueError::Invalid(errors)) => errors
            .iter()
            .map(|f| {
                if f.field.starts_with("sections") || f.field == "format" {
                    format!("{}: {}", f.field, f.message)
                } else {
                    format!("--{}: {}", f.field.trim_end_matches("_id"), f.message)
                }
            })
            .collect::<Vec<_>>()
            .join("; "),
        vitrine::service::Error::Catalogue(CatalogueError::Taken(errors)) => errors
            .iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}
