//! The command line, described with clap: `resolute --help` and `--help` on every command.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(name = "resolute", version, about = "Resolute: đưa nghị quyết vào cuộc sống — bringing party resolutions into life", long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone)]
pub struct DbArgs {
    /// Folder of the embedded SQLite database (`resolute.db`) and its files.
    #[arg(long, global = true, env = "RESOLUTE_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// A `postgres://` URL selects PostgreSQL; a `sqlite:` URL or nothing selects SQLite in
    /// the data folder.
    #[arg(long, global = true, env = "RESOLUTE_DATABASE_URL")]
    pub database_url: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Apply migrations and serve the web application.
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Generate demo data into an empty database.
    Demo(DemoArgs),
    /// Import organizations or members from an .xlsx or .csv file (all or nothing).
    Import(ImportArgs),
    /// Manage sign-in accounts and their grants.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Write one file holding a consistent copy of the database (SQLite: online backup;
    /// PostgreSQL: pg_dump custom format) and every uploaded file of the data folder, with
    /// a manifest of their sizes and SHA-256; live sessions are left out.
    Backup { file: PathBuf },
    /// Bring back the database and the uploaded files from a backup made by
    /// `resolute backup`, each checked against its manifest (stop the server first).
    Restore {
        file: PathBuf,
        /// Replace existing data without asking.
        #[arg(long)]
        yes: bool,
    },
    /// Rebuild every kept-up-to-date counter from the records.
    Recount,
    /// Rebuild the full-text search index (`<data-dir>/search`) from the database from
    /// scratch, printing the records loaded per kind and the time taken (stop the server
    /// first: it holds the index's writer).
    Reindex,
    /// Assess every issued program again for plan quality (copies of the upper or a
    /// sibling plan, "5 rõ"), for the dashboards' list of programs to look at again.
    RescanPlans,
    /// Compute the proposed evaluation scores of a period (every unit and member of its
    /// subtree) from the record, with a progress bar. Without `--period`, first set up a
    /// yearly period under the default framework on the unit of `--org-code` (the first
    /// root by default).
    Evaluate {
        /// The period's id (shown on a unit's evaluation page).
        #[arg(long)]
        period: Option<i64>,
        /// Code of the unit to set up a yearly period on.
        #[arg(long)]
        org_code: Option<String>,
        /// Year of the new period (this year by default).
        #[arg(long)]
        year: Option<i32>,
        /// Compute as of this day (dd/mm/yyyy; today by default).
        #[arg(long)]
        as_of: Option<String>,
    },
    /// Replay the 2025 reorganization of administrative units on a loaded province.
    Restructure2025 {
        /// Pre-2025 code of the province (Bắc Giang is 24).
        #[arg(long, default_value = "24")]
        province: String,
        /// Date the reorganization takes effect (dd/mm/yyyy).
        #[arg(long, default_value = "01/07/2025")]
        on: String,
    },
    /// Compare a lower-level plan with its upper-level plan (and siblings): is it copied?
    CheckPlan(CheckPlanArgs),
    /// Check the tasks of a program for the "5 rõ" (person, task, time, output, responsibility).
    CheckTasks(CheckTasksArgs),
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Load the Bắc Giang demo into an empty database and print its sign-ins.
    #[arg(long)]
    pub demo: bool,
    /// Address to listen on.
    #[arg(long, env = "RESOLUTE_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// Mark cookies Secure (when served behind HTTPS).
    #[arg(long, env = "RESOLUTE_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// Address of a reverse proxy in front of the server, whose X-Forwarded-For header
    /// names the client (repeat, or separate with commas). Without it the header is
    /// ignored and the TCP peer is the client.
    #[arg(
        long = "trusted-proxy",
        env = "RESOLUTE_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Connections served at once; more wait in the listen queue.
    #[arg(long, env = "RESOLUTE_MAX_CONNECTIONS", default_value_t = 1024)]
    pub max_connections: usize,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoProfile {
    /// One province (Bắc Giang by default): ~4,000 units, ~100,000 members.
    Province,
    /// All 63 pre-2025 provinces: ~270,000 units, ~5.5 million members (for benchmarks).
    Nation,
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    #[arg(long, value_enum, default_value = "province")]
    pub profile: DemoProfile,
    /// Seed of the generator: the same seed gives the same data.
    #[arg(long, default_value_t = 2025)]
    pub seed: u64,
    /// Pre-2025 code of the province for the province profile.
    #[arg(long, default_value = "24")]
    pub province: String,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    Orgs,
    Members,
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    #[arg(value_enum)]
    pub kind: ImportKind,
    pub file: PathBuf,
    /// Print messages in English instead of Vietnamese.
    #[arg(long)]
    pub english: bool,
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create an account (the password is read from standard input or prompted).
    Add {
        username: String,
        /// The name shown in the application.
        #[arg(long)]
        name: String,
        /// Link the account to a member (id).
        #[arg(long)]
        member: Option<i64>,
        /// Read the password from this environment variable instead of standard input.
        #[arg(long)]
        password_env: Option<String>,
    },
    /// Set a new password (read from standard input, or from --password-env).
    Passwd {
        username: String,
        #[arg(long)]
        password_env: Option<String>,
    },
    /// Give a role on an organization's subtree.
    Grant {
        username: String,
        /// admin, office_staff, secretary, inspector or member.
        #[arg(long)]
        role: String,
        /// The organization's code, or `#id`.
        #[arg(long)]
        org: String,
    },
    /// Take a role back.
    Revoke {
        username: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        org: String,
    },
    /// List accounts and their grants.
    List,
}

#[derive(Args, Debug)]
pub struct CheckPlanArgs {
    /// The upper-level plan (plain text, UTF-8).
    #[arg(long)]
    pub upper: PathBuf,
    /// The lower-level plan to check.
    pub lower: PathBuf,
    /// A folder of sibling plans (*.txt) to compare with too.
    #[arg(long)]
    pub siblings: Option<PathBuf>,
    /// The unit's own plan of the previous period, to compare with too.
    #[arg(long)]
    pub previous: Option<PathBuf>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct CheckTasksArgs {
    /// A .csv or .xlsx file of tasks.
    pub file: PathBuf,
    #[arg(long)]
    pub json: bool,
}
