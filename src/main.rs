use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = kubesite::cli::Cli::parse();
    let stdout = std::io::stdout();
    let mut stdout = stdout.lock();
    let mut warn = |msg: &str| eprintln!("{msg}");
    let result = kubesite::run::run(cli, &mut stdout, &mut warn);
    let _ = stdout.flush();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
