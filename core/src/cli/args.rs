//! The command line, as clap parses it. Command and option names are part
//! of the interface scripts and tests rely on: change them with care.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "storyloom",
    version,
    about = "Inspect and edit a Storyloom store: stories, participants, consent and sync."
)]
pub struct Cli {
    /// The store file to open (created by `init` or `join` if it does not
    /// exist; every other command needs an existing store).
    #[arg(long, global = true, value_name = "PATH")]
    pub store: Option<PathBuf>,

    /// Print exactly one JSON document on stdout; errors go to stderr as a
    /// JSON object.
    #[arg(long, global = true)]
    pub json: bool,

    /// The store key: a file of 32 raw bytes or 64 hexadecimal characters.
    /// Without it, `STORYLOOM_KEY` (64 hexadecimal characters) is used if
    /// set; with neither, the store is opened as a plaintext store.
    #[arg(long, global = true, value_name = "FILE")]
    pub key_file: Option<PathBuf>,

    /// The project to work in, when the store holds more than one.
    #[arg(long, global = true, value_name = "ID")]
    pub project: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a project in the store, with you as its first member.
    Init(InitArgs),
    /// Show the project: members and codebook.
    Project,
    /// Add a theme to the project's codebook.
    Theme(ThemeArgs),
    /// Participants and their accessibility preferences.
    #[command(subcommand)]
    Participant(ParticipantCommand),
    /// Stories.
    #[command(subcommand)]
    Story(StoryCommand),
    /// Full-text search over titles, summaries, transcripts, tags and highlight notes.
    Search(SearchArgs),
    /// Consent grants, withdrawals (with erasure), effective consent and receipts.
    #[command(subcommand)]
    Consent(ConsentCommand),
    /// Export what consent allows to a folder, with a manifest of what was withheld.
    Export(ExportArgs),
    /// Print an invite (for a QR code) that lets another device join the project.
    Invite,
    /// Join the project an invite is for; its data arrives with the first sync.
    Join {
        invite: String,
        /// Your name as the group sees it.
        #[arg(long)]
        member: String,
        /// reporter, facilitator, coordinator, researcher or storyteller.
        #[arg(long, default_value = "facilitator")]
        role: String,
    },
    /// Leave a project joined from a mistyped or stale invite whose documents
    /// have not arrived, so it can be joined again with a new invite.
    Leave,
    /// Run a sync session between two store files in this process until both are done.
    Sync { store_a: PathBuf, store_b: PathBuf },
    /// Listen on ADDR (e.g. 127.0.0.1:0), print "listening on HOST:PORT" on
    /// stderr, and answer one sync session over the connection (frames of
    /// docs/sync-transport.md).
    ServeSync { addr: String },
    /// Connect to ADDR and run one sync session as the side that speaks first.
    ConnectSync { addr: String },
    /// Bundles for carrying on a USB stick, SD card or by email.
    #[command(subcommand)]
    Bundle(BundleCommand),
    /// Recordings, photos, videos and documents attached to stories.
    #[command(subcommand)]
    Media(MediaCommand),
    /// Sync every project in the store through a relay (object storage).
    #[command(subcommand)]
    Relay(RelayCommand),
    /// The store file itself: encrypt it at rest, change its key.
    #[command(subcommand)]
    Store(StoreCommand),
    /// The project's members and their devices.
    #[command(subcommand)]
    Member(MemberCommand),
}

#[derive(Debug, Subcommand)]
pub enum MediaCommand {
    /// Attach a file to a story (needs keep-media consent).
    Add {
        story: String,
        file: PathBuf,
        /// audio, photo, video or document.
        #[arg(long)]
        kind: String,
        #[arg(long, default_value = "application/octet-stream")]
        mime: String,
        #[arg(long, default_value = "")]
        caption: String,
        #[arg(long)]
        duration_ms: Option<u64>,
    },
    /// List a story's media items and whether their bytes are here.
    List { story: String },
    /// Write an item's original bytes to a file.
    Export {
        id: String,
        #[arg(long)]
        out: PathBuf,
        /// Replace an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Remove an item from a story.
    Remove { story: String, id: String },
}

#[derive(Debug, Subcommand)]
pub enum RelayCommand {
    /// Push what is new here and pull what other devices published.
    /// URL: file:///path, webdav+http(s)://host:port/path (credentials from
    /// STORYLOOM_RELAY_USER / STORYLOOM_RELAY_PASSWORD) or
    /// s3://bucket/prefix?endpoint=http://host:port&region=region
    /// (credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY).
    Sync {
        #[arg(long)]
        url: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Encrypt a plaintext store in place with the key from --key-file (or
    /// STORYLOOM_KEY). Close the store everywhere first.
    Encrypt,
    /// Change the key of an encrypted store from --key-file (or
    /// STORYLOOM_KEY) to --new-key-file. Close the store everywhere first.
    Rekey {
        /// The new key: 32 raw bytes or 64 hexadecimal characters.
        #[arg(long, value_name = "FILE")]
        new_key_file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum MemberCommand {
    /// List the members: id, name, role, enrolled devices, and whether removed.
    List,
    /// Remove a member and all their devices (coordinators only); starts a
    /// new epoch of the group secret that their devices do not receive.
    Remove { member: String },
    /// Remove one lost or stolen device (coordinators only); its member stays.
    RemoveDevice { device: String },
    /// Give a member a role (coordinators only): reporter, facilitator,
    /// coordinator, researcher or storyteller.
    Role { member: String, role: String },
}

#[derive(Debug, Subcommand)]
pub enum BundleCommand {
    /// Write a bundle: everything, or only what --peer lacks.
    Export {
        #[arg(long)]
        out: PathBuf,
        /// Replace the file if it exists (never the store itself).
        #[arg(long)]
        force: bool,
        /// The device id of the peer it is for.
        #[arg(long)]
        peer: Option<String>,
    },
    /// Merge a bundle into the store.
    Import { file: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum ConsentCommand {
    /// Record a consent grant.
    Grant(GrantArgs),
    /// Record a withdrawal; with --erase, erase the stories it covers everywhere.
    Withdraw(WithdrawArgs),
    /// Show the effective consent and the records behind it.
    Show {
        #[arg(long)]
        storyteller: String,
        #[arg(long)]
        story: Option<String>,
    },
    /// Print a consent receipt (Kantara Consent Receipt v1.1 fields) for a storyteller.
    Receipt {
        #[arg(long)]
        storyteller: String,
    },
}

#[derive(Debug, Args)]
pub struct GrantArgs {
    #[arg(long)]
    pub storyteller: String,
    /// The story it covers; all the storyteller's stories when left out.
    #[arg(long)]
    pub story: Option<String>,
    /// record, transcribe, keep-media, share-in-project, publish-anonymised,
    /// publish-named, use-quotes, research, archive, contact. Repeatable.
    #[arg(long = "scope", num_args = 1.., required = true)]
    pub scopes: Vec<String>,
    /// spoken, written, easy-read, sign-language, aac or proxy.
    #[arg(long)]
    pub method: String,
    /// When the consent ends (RFC 3339).
    #[arg(long)]
    pub expires: Option<String>,
    /// When to check it with the storyteller again (RFC 3339).
    #[arg(long)]
    pub review: Option<String>,
    /// named, pseudonym or anonymous.
    #[arg(long, default_value = "pseudonym")]
    pub attribution: String,
    /// The version of the information sheet given.
    #[arg(long, default_value = "1")]
    pub information_version: String,
    /// The language it was given in (BCP 47).
    #[arg(long, default_value = "en")]
    pub information_language: String,
    /// Content hash of the evidence held as media (sha256:…).
    #[arg(long)]
    pub evidence: Option<String>,
}

#[derive(Debug, Args)]
pub struct WithdrawArgs {
    #[arg(long)]
    pub storyteller: String,
    #[arg(long)]
    pub story: Option<String>,
    /// The scopes withdrawn; every scope when left out. Repeatable.
    #[arg(long = "scope", num_args = 1..)]
    pub scopes: Vec<String>,
    /// Erase the stories covered (and, for all stories, the storyteller's details).
    #[arg(long)]
    pub erase: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The folder to write to.
    #[arg(long)]
    pub out: PathBuf,
    /// Write into a folder that already holds files (an earlier export).
    #[arg(long)]
    pub force: bool,
    /// json or csv.
    #[arg(long, default_value = "json")]
    pub format: String,
    /// research, publication or archive: decides which consent scope is needed.
    #[arg(long, default_value = "research")]
    pub purpose: String,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The project's name.
    #[arg(long)]
    pub project: String,
    /// Your name as the group sees it.
    #[arg(long)]
    pub member: String,
    /// Your role: reporter, facilitator, coordinator, researcher or storyteller.
    #[arg(long, default_value = "reporter")]
    pub role: String,
}

#[derive(Debug, Args)]
pub struct ThemeArgs {
    pub name: String,
    #[arg(long, default_value = "")]
    pub description: String,
}

#[derive(Debug, Subcommand)]
pub enum ParticipantCommand {
    /// Add a participant.
    Add(ParticipantAddArgs),
    /// Show a participant with their badge and adjustments.
    Show { id: String },
    /// Set a participant's interaction badge: green, yellow, red or unset.
    Badge { id: String, level: String },
    /// Add a reasonable adjustment (KIND or KIND:DETAIL).
    Adjust { id: String, adjustment: String },
    /// List the project's participants.
    List,
    /// Who changed the participant's record, and when.
    History { id: String },
}

#[derive(Debug, Args)]
pub struct ParticipantAddArgs {
    #[arg(long)]
    pub name: String,
    #[arg(long)]
    pub pseudonym: Option<String>,
    #[arg(long)]
    pub pronouns: Option<String>,
    /// Preferred language (BCP 47).
    #[arg(long)]
    pub language: Option<String>,
    /// green, yellow, red or unset.
    #[arg(long)]
    pub badge: Option<String>,
    /// A reasonable adjustment: KIND or KIND:DETAIL, e.g. easy-read,
    /// sign-language-interpreter:bfi, note:"prefers mornings". Repeatable.
    #[arg(long = "adjustment")]
    pub adjustments: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum StoryCommand {
    /// Add a story.
    Add(StoryAddArgs),
    /// Show a story: texts, tags, highlights, conflicts.
    Show { id: String },
    /// Edit a story.
    Edit(StoryEditArgs),
    /// List stories, newest first.
    List(StoryListArgs),
    /// Highlight a quote in the transcript (UTF-16 offsets).
    Highlight(HighlightArgs),
    /// Who changed the story, and when.
    History { id: String },
}

#[derive(Debug, Args)]
pub struct StoryAddArgs {
    #[arg(long)]
    pub title: String,
    /// A storyteller's participant id. Repeatable.
    #[arg(long = "storyteller")]
    pub storytellers: Vec<String>,
    /// Read the transcript from this file.
    #[arg(long)]
    pub transcript_file: Option<PathBuf>,
    #[arg(long, default_value = "")]
    pub summary: String,
    /// Repeatable.
    #[arg(long = "tag")]
    pub tags: Vec<String>,
    /// BCP 47 language tag.
    #[arg(long)]
    pub language: Option<String>,
    /// When it was recorded (RFC 3339, with the local offset).
    #[arg(long)]
    pub recorded_at: Option<String>,
    /// A coarse place name.
    #[arg(long)]
    pub place: Option<String>,
}

#[derive(Debug, Args)]
pub struct StoryEditArgs {
    pub id: String,
    #[arg(long)]
    pub title: Option<String>,
    /// Replace the transcript with this file's text (only the difference is applied).
    #[arg(long)]
    pub transcript_file: Option<PathBuf>,
    /// draft, collected, reviewed or archived.
    #[arg(long)]
    pub status: Option<String>,
    #[arg(long)]
    pub language: Option<String>,
    #[arg(long = "add-tag")]
    pub add_tags: Vec<String>,
    #[arg(long = "remove-tag")]
    pub remove_tags: Vec<String>,
}

#[derive(Debug, Args)]
pub struct StoryListArgs {
    #[arg(long)]
    pub tag: Option<String>,
    #[arg(long)]
    pub status: Option<String>,
    #[arg(long)]
    pub storyteller: Option<String>,
    /// created, updated, recorded or title.
    #[arg(long, default_value = "created")]
    pub sort: String,
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
    #[arg(long, default_value_t = 0)]
    pub offset: u32,
}

#[derive(Debug, Args)]
pub struct HighlightArgs {
    pub id: String,
    #[arg(long)]
    pub start: u64,
    #[arg(long)]
    pub end: u64,
    #[arg(long)]
    pub theme: Option<String>,
    #[arg(long, default_value = "")]
    pub note: String,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    pub query: String,
    #[arg(long, default_value_t = 20)]
    pub limit: u32,
}
