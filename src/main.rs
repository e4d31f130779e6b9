//! The `vitrine` binary: `vitrine [serve]`, `vitrine migrate`,
//! `vitrine openapi`.

use std::process::ExitCode;

use vitrine::config::Config;
use vitrine::{startup, telemetry};

const USAGE: &str = "usage: vitrine [serve | migrate | openapi]
  serve    migrate the database, then serve the API (the default)
  migrate  apply pending migrations and exit
  openapi  print the OpenAPI spec";

#[actix_web::main]
async fn main() -> ExitCode {
    let command = std::env::args().nth(1);
    if command.as_deref() == Some("openapi") {
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
    telemetry::init(config.json_logs);
    let outcome = match command.as_deref() {
        None | Some("serve") => startup::serve(config).await.map_err(|e| e.to_string()),
        Some("migrate") => startup::open_store(&config)
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => {
            eprintln!("vitrine: unknown command `{other}`\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "vitrine stopped");
            ExitCode::FAILURE
        }
    }
}
