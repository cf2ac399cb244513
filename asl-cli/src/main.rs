//! `asl`: the asl-rs command-line tool.
//!
//! `asl check FILE...` validates Amazon States Language definitions and prints every problem
//! like rustc does (or as JSON lines with `--format json`). Exit status: 0 when every file is
//! valid, 1 when any is invalid, 2 when a file cannot be read or the arguments are wrong.
//!
//! `asl generate FILE [-o OUT]` writes the Rust module the `build.rs` builder would write
//! (include it with `asl_runtime::include_workflow!` or as a module of its own). Exit status:
//! 0 when written, 1 when the definition is invalid or not supported, 2 when a file cannot be
//! read or written or the arguments are wrong.
//!
//! `asl graph FILE [--format svg|dot|mermaid] [-o OUT]` draws a definition: an SVG laid out
//! in-process (the default), Graphviz DOT or a Mermaid flowchart. Exit status: 0 when
//! written, 1 when the definition is invalid (printing what `asl check` prints for it, on
//! standard error), 2 when a file cannot be read or written or the arguments are wrong.
//!
//! `asl test MOCK_FILE --definition FILE [--machine NAME] [--case NAME]... [--input JSON]`
//! runs the test cases of a Step Functions Local mock file (`MockConfigFile.json`) on a
//! definition and prints each case's path and result (see `mock_test`). Exit status: 0 when
//! every case ran, 1 when the definition, the mock file, the machine or a case is wrong, 2
//! when a file cannot be read, the arguments are wrong or the runner cannot be built.
//!
//! `asl schedule create|list|get|pause|resume|delete --store sqlite:PATH|postgres://…` keeps
//! durable schedules in a store, for the workers that run the workflows (see `schedule`).

#![warn(clippy::unwrap_used, clippy::expect_used)]

mod mock_test;
mod schedule;

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use asl_codegen::{CompileError, CompileOptions, MachineType, Options, Source, TaskType};
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
        #[arg(short, long)]
        quiet: bool,
        /// Colored output: auto (when printing to a terminal), always or never.
        #[arg(long, value_enum, default_value_t = Color::Auto)]
        color: Color,
    },
    /// Generate the Rust module of a definition, as the `build.rs` builder writes it.
    Generate {
        /// Definition file (`-` for standard input).
        file: String,
        /// Write the module to this file instead of standard output.
        #[arg(short, long, value_name = "OUT")]
        output: Option<PathBuf>,
        /// The module's name, also the machine's default name in the context object
        /// (default: the file name without `.asl.json`).
        #[arg(long, value_name = "NAME")]
        module: Option<String>,
        /// Validate as an Express state machine.
        #[arg(long)]
        express: bool,
        /// Type a Task state's handler: `STATE=INPUT->OUTPUT`, with Rust type paths resolved
        /// inside the generated module (`crate::…` or `super::…`). Repeatable.
        #[arg(long = "task-type", value_name = "STATE=IN->OUT", value_parser = parse_task_type)]
        task_types: Vec<TaskTypeArg>,
        /// Do not print warnings.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Draw a definition's graph: SVG (laid out in-process), DOT or Mermaid.
    Graph {
        /// Definition file (`-` for standard input).
        file: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = GraphFormat::Svg)]
        format: GraphFormat,
        /// Write the drawing to this file instead of standard output.
        #[arg(short, long, value_name = "OUT")]
        output: Option<PathBuf>,
    },
    /// Run the test cases of a Step Functions Local mock file (MockConfigFile.json) on a
    /// definition: each case's path (states entered) and result. Builds a test runner crate
    /// for the definition (cached; the first build compiles the runtime).
    Test {
        /// The mock file (Step Functions Local's `MockConfigFile.json` format).
        mock_file: PathBuf,
        /// The definition file.
        #[arg(long, value_name = "FILE")]
        definition: PathBuf,
        /// The state machine of the mock file (default: its only one, or the one named as
        /// the definition's file).
        #[arg(long, value_name = "NAME")]
        machine: Option<String>,
        /// Run only this test case (repeatable; default: every case of the machine).
        #[arg(long = "case", value_name = "NAME")]
        cases: Vec<String>,
        /// The execution input, JSON (default `{}`).
        #[arg(long, value_name = "JSON")]
        input: Option<String>,
        /// Output format: text, or one JSON object per case.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// The asl-runtime sources to build against (default: `ASL_RUNTIME_DIR`, else the
        /// checkout `asl` was built from).
        #[arg(long, value_name = "DIR")]
        runtime: Option<PathBuf>,
        /// Where test runners are kept (default: `ASL_TEST_CACHE`, else
        /// `$XDG_CACHE_HOME/asl-rs/test`).
        #[arg(long, value_name = "DIR")]
        cache_dir: Option<PathBuf>,
    },
    /// Manage durable schedules in a store (EventBridge Scheduler expressions).
    Schedule {
        #[command(subcommand)]
        command: schedule::ScheduleCommand,
        #[command(flatten)]
        store: schedule::StoreArg,
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
enum GraphFormat {
    /// A standalone SVG document.
    Svg,
    /// Graphviz DOT.
    Dot,
    /// A Mermaid flowchart.
    Mermaid,
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
        Command::Generate {
            file,
            output,
            module,
            express,
            task_types,
            quiet,
        } => {
            let name = module.unwrap_or_else(|| match file.as_str() {
                "-" => "workflow".to_string(),
                f => asl_codegen::builder::module_name(Path::new(f)),
            });
            let mut options = CompileOptions::new(name).express(express);
            for binding in &task_types {
                match binding.to_task_type() {
                    Ok(t) => options.task_types.push(t),
                    Err(e) => {
                        eprintln!("error: --task-type: {e}");
                        return ExitCode::from(2);
                    }
                }
            }
            generate(&file, output.as_deref(), &options, quiet)
        }
        Command::Graph {
            file,
            format,
            output,
        } => graph(&file, format, output.as_deref()),
        Command::Test {
            mock_file,
            definition,
            machine,
            cases,
            input,
            format,
            runtime,
            cache_dir,
        } => mock_test::run(mock_test::Args {
            mock_file,
            definition,
            machine,
            cases,
            input,
            json: matches!(format, Format::Json),
            runtime,
            cache_dir,
        }),
        Command::Schedule { command, store } => schedule::run(command, store),
    }
}

/// A `--task-type` binding, its types checked as Rust syntax. (Token streams are not `Send`,
/// as clap's parsed values must be: the strings are turned into a [`TaskType`] after parsing.)
#[derive(Clone)]
struct TaskTypeArg {
    state: String,
    input: String,
    output: String,
}

impl TaskTypeArg {
    fn to_task_type(&self) -> Result<TaskType, String> {
        TaskType::parse(&self.state, &self.input, &self.output)
    }
}

/// `STATE=INPUT->OUTPUT`. The state is everything before the last `=` ahead of the first
/// `->`, so state names may hold `=`.
fn parse_task_type(arg: &str) -> Result<TaskTypeArg, String> {
    let usage =
        "expected `STATE=INPUT->OUTPUT`, e.g. `Charge card=crate::ChargeRequest->crate::Receipt`";
    let (binding, output) = arg.split_once("->").ok_or(usage)?;
    let (state, input) = binding.rsplit_once('=').ok_or(usage)?;
    let (input, output) = (input.trim(), output.trim());
    if state.is_empty() || input.is_empty() || output.is_empty() {
        return Err(usage.to_string());
    }
    let binding = TaskTypeArg {
        state: state.to_string(),
        input: input.to_string(),
        output: output.to_string(),
    };
    binding.to_task_type()?;
    Ok(binding)
}

/// A file's text; `Err` holds the message for standard error and, for text that is not
/// UTF-8, the line and column of the first invalid byte.
fn read(file: &str) -> Result<String, (String, Option<(usize, usize)>)> {
    let mut bytes = Vec::new();
    let read = if file == "-" {
        std::io::stdin().read_to_end(&mut bytes).map(|_| ())
    } else {
        std::fs::read(file).map(|b| bytes = b)
    };
    read.map_err(|e| (e.to_string(), None))?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        // The valid prefix is UTF-8 by definition: count lines and characters in it.
        let prefix = String::from_utf8_lossy(valid);
        let line = prefix.matches('\n').count() + 1;
        let column = prefix.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (
            format!("not UTF-8 text (an invalid byte at line {line}, column {column})"),
            Some((line, column)),
        )
    })
}

fn display_name(file: &str) -> &str {
    if file == "-" { "<stdin>" } else { file }
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
        let name = display_name(file);
        let text = match read(file) {
            Ok(t) => t,
            Err((e, position)) => {
                eprintln!("error: cannot read `{name}`: {e}");
                unreadable = true;
                if let (Format::Json, Some((line, column))) = (format, position) {
                    // The same shape as every other diagnostic: text that is not UTF-8 is
                    // not JSON (ASL001).
                    let code = asl_codegen::Code::InvalidJson;
                    let obj = serde_json::json!({
                        "file": name,
                        "code": code.id(),
                        "aws_code": code.aws_code(),
                        "severity": code.severity().as_str(),
                        "pointer": asl_codegen::Pointer::default().to_string(),
                        "location": asl_codegen::Pointer::default().aws_location(),
                        "state": null,
                        "line": line,
                        "column": column,
                        "message": format!("the definition is {e}"),
                        "help": "save the file as UTF-8: JSON text must be UTF-8",
                    });
                    if writeln!(out, "{obj}").is_err() {
                        return ExitCode::from(2);
                    }
                }
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
            Format::Human => out.write_all(human(report, name, color).as_bytes()),
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

/// A report as `asl check` prints it: every diagnostic, then a summary line.
fn human(report: &asl_codegen::Report, name: &str, color: bool) -> String {
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
    text
}

fn graph(file: &str, format: GraphFormat, output: Option<&Path>) -> ExitCode {
    let name = display_name(file);
    let text = match read(file) {
        Ok(t) => t,
        Err((e, _)) => {
            eprintln!("error: cannot read `{name}`: {e}");
            return ExitCode::from(2);
        }
    };
    let graph = match asl_codegen::graph_of(Source::new(name, text), &Options::default()) {
        Ok(g) => g,
        Err(report) => {
            // What `asl check FILE` prints, on standard error (standard output is the
            // drawing's).
            eprint!("{}", human(&report, name, std::io::stderr().is_terminal()));
            return ExitCode::from(1);
        }
    };
    let drawing = match format {
        GraphFormat::Svg => asl_graph::to_svg(&graph, None),
        GraphFormat::Dot => asl_graph::to_dot(&graph),
        GraphFormat::Mermaid => asl_graph::to_mermaid(&graph),
    };
    write_output(output, &drawing)
}

fn generate(file: &str, output: Option<&Path>, options: &CompileOptions, quiet: bool) -> ExitCode {
    let name = display_name(file);
    let text = match read(file) {
        Ok(t) => t,
        Err((e, _)) => {
            eprintln!("error: cannot read `{name}`: {e}");
            return ExitCode::from(2);
        }
    };
    let color = std::io::stderr().is_terminal();
    let compiled = match asl_codegen::compile(Source::new(name, text), options) {
        Ok(c) => c,
        Err(CompileError::Invalid(report)) => {
            let errors = report.errors().count();
            eprint!("{}", report.render(color));
            eprintln!(
                "error: `{name}` is invalid ({errors} error{}): no code generated",
                if errors == 1 { "" } else { "s" }
            );
            return ExitCode::from(1);
        }
        Err(e @ CompileError::NotATask(_)) => {
            eprintln!("error: --task-type: {e}");
            return ExitCode::from(2);
        }
        Err(e @ CompileError::Unsupported(_)) => {
            eprintln!("error: {name}: {e}");
            return ExitCode::from(1);
        }
    };
    if !quiet {
        eprint!("{}", compiled.report.render(color));
    }
    let code = match compiled.to_file() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {name}: the generated code does not parse (a bug in asl-rs): {e}");
            return ExitCode::from(1);
        }
    };
    write_output(output, &code)
}

/// Writes `text` to `output` (standard output when `None`); a failure exits 2.
fn write_output(output: Option<&Path>, text: &str) -> ExitCode {
    let written = match output {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| format!("cannot write `{}`: {e}", path.display())),
        None => std::io::stdout()
            .lock()
            .write_all(text.as_bytes())
            .map_err(|e| format!("cannot write to standard output: {e}")),
    };
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
