//! The `vitrine` binary: serve the API, migrate, print the spec, manage API
//! keys. `vitrine --help` lists the commands and the settings.

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use uuid::Uuid;
use vitrine::catalogue::api_key::{display_prefix, ApiKey, ApiKeyFilter, ApiKeyInput, Role};
use vitrine::catalogue::page::PageRequest;
use vitrine::catalogue::Actor;
use vitrine::config::{Config, SETTINGS};
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
    /// Print the OpenAPI spec the server serves at /openapi.json.
    Openapi,
    /// Create, list and revoke API keys, without a running server.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
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
    if let Command::Openapi = command {
        print!("{}", startup::openapi_json());
        return ExitCode::SUCCESS;
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
        Command::Openapi => Ok(()),
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

/// An error of the catalogue in one line, with the fields it refused.
fn describe(e: &vitrine::service::Error) -> String {
    use vitrine::catalogue::CatalogueError;
    match e {
        vitrine::service::Error::Catalogue(CatalogueError::Invalid(errors)) => errors
            .iter()
            .map(|f| format!("--{}: {}", f.field.trim_end_matches("_id"), f.message))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}
