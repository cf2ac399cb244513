//! `asl`: the asl-rs command-line tool.
//!
//! `asl check FILE...` validates Amazon States Language definitions and prints every problem
//! like rustc does (or as JSON lines with `--format json`). Exit status: 0 when every file is
//! valid, 1 when any is invalid, 2 when a file cannot be read or the arguments are wrong.

#![warn(clippy::unwrap_used, clippy::expect_used)]

use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;

use asl_codegen::{MachineType, Options, Source};
use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "asl",
    version,
    about = "Compile-time tooling for Amazon States Language"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate definitions; `-` reads standard input.
    Check {
        /// Definition files (`-` for standard input).
        #[arg(required = true)]
        files: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Validate as an Express state machine (no activities, `.sync`, callbacks or
        /// Distributed Map).
        #[arg(long)]
        express: bool,
        /// Do not print warnings.
        #[arg(long)]
        quiet: bool,
        /// Colored output: auto (when printing to a terminal), always or never.
        #[arg(long, value_enum, default_value_t = Color::Auto)]
        color: Color,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// Like rustc: code, message, the source line with a caret, help.
    Human,
    /// One JSON object per diagnostic and line.
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match cli.command {
        Command::Check {
            files,
            format,
            express,
            quiet,
            color,
        } => {
            let options = Options {
                machine_type: if express {
                    MachineType::Express
                } else {
                    MachineType::Standard
                },
            };
            let color = match color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => std::io::stdout().is_terminal(),
            };
            check(&files, format, &options, quiet, color)
        }
    }
}

fn read(file: &str) -> std::io::Result<String> {
    if file == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s)?;
        Ok(s)
    } else {
        std::fs::read_to_string(file)
    }
}

fn check(
    files: &[String],
    format: Format,
    options: &Options,
    quiet: bool,
    color: bool,
) -> ExitCode {
    let mut unreadable = false;
    let mut invalid = false;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for file in files {
        let name = if file == "-" {
            "<stdin>"
        } else {
            file.as_str()
        };
        let text = match read(file) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: cannot read `{name}`: {e}");
                unreadable = true;
                continue;
            }
        };
        let mut checked = asl_codegen::check(Source::new(name, text), options);
        if quiet {
            checked.report.diagnostics.retain(|d| d.is_error());
        }
        invalid |= !checked.is_valid();
        let report = &checked.report;
        let written = match format {
            Format::Human => {
                let errors = report.errors().count();
                let warnings = report.diagnostics.len() - errors;
                let mut text = report.render(color);
                if errors == 0 && warnings == 0 {
                    text.push_str(&format!("{name}: ok\n"));
                } else {
                    text.push_str(&format!(
                        "{name}: {errors} error{}, {warnings} warning{}\n",
                        if errors == 1 { "" } else { "s" },
                        if warnings == 1 { "" } else { "s" }
                    ));
                }
                out.write_all(text.as_bytes())
            }
            Format::Json => report.diagnostics.iter().try_for_each(|d| {
                let (line, column) = report.source.line_col(d.span.start);
                let obj = serde_json::json!({
                    "file": name,
                    "code": d.code.id(),
                    "aws_code": d.code.aws_code(),
                    "severity": d.severity.as_str(),
                    "pointer": d.pointer.to_string(),
                    "location": d.pointer.aws_location(),
                    "state": d.state,
                    "line": line,
                    "column": column,
                    "message": d.message,
                    "help": d.help,
                });
                writeln!(out, "{obj}")
            }),
        };
        if written.is_err() {
            // Output closed (e.g. piped into `head`): nothing more to say.
            return ExitCode::from(2);
        }
    }
    if unreadable {
        ExitCode::from(2)
    } else if invalid {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
