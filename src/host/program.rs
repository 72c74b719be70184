//! What a process runs, as people name it: a script by its own name, not by its interpreter's.
//!
//! Five Python services all run as `python3`; `python3 /opt/collector/collector.py` is the
//! collector. So wherever rstscope names a program (listeners, connecting processes, the
//! diagnosis, the app, JSON) a process whose command line runs a script through a known
//! interpreter is named `collector.py (python3)`; its whole command line stays with it as
//! evidence. The rule is here once: [`Script::of`](crate::host::program::Script::of)
//! decides what the script is from the command line's arguments,
//! [`Program`](crate::host::program::Program) writes the name.
//!
//! The script is the first argument after the interpreter's own options (and their values):
//! `python3 -u /opt/collector/collector.py --port 7211` runs `collector.py`; Python's
//! `-m http.server` runs the module `http.server`; Java's `-jar /opt/c/collector.jar` the jar,
//! `-m mod/Main` the module, and otherwise the main class. Code given inline (`-c`, `-e`,
//! `bash -c '...'`) or read from standard input is no script: the interpreter's name stays.
//! A command line that does not start with a known interpreter is left alone, whatever comes
//! after it.

/// A script a process runs through an interpreter.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Script {
    /// The interpreter as the command line names it, without its folder (`python3`,
    /// `python.exe`, `bash`, `java`).
    pub interpreter: String,
    /// The script as the command line gives it: a path (`/opt/collector/collector.py`,
    /// `./poller.sh`, `collector.jar`), a Python module (`http.server`), a Java main class
    /// (`com.example.Collector`) or module (`collector/com.example.Main`).
    pub given: String,
    /// `given` is a file path, named by its last component.
    pub path: bool,
}

/// How an interpreter reads its command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Python,
    Shell,
    Node,
    Java,
    Perl,
    Ruby,
    PowerShell,
}

/// What one argument tells while looking for the script.
enum Step<'a> {
    /// An option: go on, past `skip` more arguments (its values).
    Option { skip: usize },
    /// The script is `given` (a path when `path`); `None` when the code is inline or read
    /// from standard input.
    Found(Option<(&'a str, bool)>),
    /// The next argument is the script (after `--`, `-m`, `-jar`, `-File`); a path when `path`.
    Next { path: bool },
}

impl Script {
    /// The script the command line `args` (the program first, as the OS gives them) runs,
    /// when its program is a known interpreter and the script is named.
    #[must_use]
    pub fn of<'a>(args: impl IntoIterator<Item = &'a str>) -> Option<Self> {
        let mut args = args.into_iter();
        let program = args.next()?;
        // A login shell's `-bash`.
        let interpreter = base_name(program).trim_start_matches('-');
        let kind = kind(interpreter)?;
        let mut skip = 0;
        while let Some(arg) = args.next() {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let (given, path) = match step(kind, arg) {
                Step::Option { skip: n } => {
                    skip = n;
                    continue;
                }
                Step::Found(found) => found?,
                Step::Next { path } => (args.next().filter(|a| *a != "-")?, path),
            };
            return (!given.is_empty()).then(|| Self {
                interpreter: head(interpreter, MAX_TEXT_BYTES).to_owned(),
                // A path's tail, which names it; anything else from its start.
                given: if path {
                    tail(given, MAX_TEXT_BYTES)
                } else {
                    head(given, MAX_TEXT_BYTES)
                }
                .to_owned(),
                path,
            });
        }
        None
    }

    /// [`Self::of`] a command line whose arguments were joined by spaces (a capture's
    /// `Args:`, a command line saved by an older rstscope): split at spaces again, so a path
    /// with a space in it is cut there.
    #[must_use]
    pub fn of_joined(cmdline: &str) -> Option<Self> {
        Self::of(cmdline.split_whitespace())
    }

    /// What names the script: a path's last component (`collector.py`), else as given.
    #[must_use]
    pub fn name(&self) -> &str {
        if self.path {
            base_name(&self.given)
        } else {
            &self.given
        }
    }
}

/// Bytes kept of a script's interpreter and of what names the script: a file name's most on
/// Linux (255), so that a path keeps its name whole. An argument may be far longer (up to 128
/// KiB), and every sighting of the process and every program listed at an endpoint keeps
/// these: the caps on their numbers bound their memory only with their lengths bounded.
pub const MAX_TEXT_BYTES: usize = 256;

/// The first `max` bytes of `s` at most, cut at a character's start.
pub(crate) fn head(s: &str, max: usize) -> &str {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// The last `max` bytes of `s` at most, cut at a character's start.
fn tail(s: &str, max: usize) -> &str {
    let mut start = s.len().saturating_sub(max);
    while !s.is_char_boundary(start) {
        start += 1;
    }
    &s[start..]
}

/// A program as rstscope names it: the process name, or the script it runs and the
/// interpreter (`collector.py (python3)`).
#[derive(Debug, Clone, Copy)]
pub struct Program<'a> {
    /// The process name as the OS reports it (Linux `comm`); may be empty.
    pub name: &'a str,
    /// The script it runs, where known.
    pub script: Option<&'a Script>,
}

impl Program<'_> {
    /// `collector.py (python3)`, `nginx`, or `?` for a process without a name.
    #[must_use]
    pub fn text(self) -> String {
        self.with(std::iter::empty::<String>())
    }

    /// The name with more facts in its parentheses: `collector.py (python3, pid 4312)`,
    /// `nginx (pid 880)`, `nginx` without facts.
    #[must_use]
    pub fn with<S: AsRef<str>>(self, facts: impl IntoIterator<Item = S>) -> String {
        let (head, first) = match self.script {
            Some(s) => (s.name(), Some(s.interpreter.as_str())),
            None if self.name.is_empty() => ("?", None),
            None => (self.name, None),
        };
        let mut inside: Vec<String> = first.map(str::to_owned).into_iter().collect();
        inside.extend(facts.into_iter().map(|f| f.as_ref().to_owned()));
        if inside.is_empty() {
            head.to_owned()
        } else {
            format!("{head} ({})", inside.join(", "))
        }
    }

    /// True when `word` (lower case) is part of the process name, the script or the
    /// interpreter: what a filter matches.
    #[must_use]
    pub fn matches(self, word: &str) -> bool {
        let has = |s: &str| s.to_lowercase().contains(word);
        has(self.name)
            || self
                .script
                .is_some_and(|s| has(&s.given) || has(&s.interpreter))
    }
}

/// The last component of a path, `/` or `\` separated.
fn base_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// The interpreter `name` (without its folder) is, if any: `python3.11`, `pypy3`,
/// `python.exe`, `bash`, `node`, `java`, `perl5.36`, `ruby3.1`, `pwsh`.
fn kind(name: &str) -> Option<Kind> {
    let lower = name.to_ascii_lowercase();
    let lower = lower.strip_suffix(".exe").unwrap_or(&lower);
    // A version after the name: python3, python3.11, perl5.36, ruby3.1.
    let bare = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    Some(match bare {
        "python" | "pythonw" | "pypy" => Kind::Python,
        "sh" | "bash" | "dash" | "ash" | "zsh" | "ksh" | "mksh" => Kind::Shell,
        "node" | "nodejs" => Kind::Node,
        "java" | "javaw" => Kind::Java,
        "perl" => Kind::Perl,
        "ruby" => Kind::Ruby,
        "pwsh" | "powershell" => Kind::PowerShell,
        _ => return None,
    })
}

/// What `arg` is on `kind`'s command line, before its script.
fn step(kind: Kind, arg: &str) -> Step<'_> {
    if arg == "--" && !matches!(kind, Kind::Java | Kind::PowerShell) {
        return Step::Next { path: true };
    }
    if arg == "-" {
        // The program is read from standard input.
        return Step::Found(None);
    }
    match kind {
        Kind::Python => python(arg),
        Kind::Shell => shell(arg),
        Kind::Node => node(arg),
        Kind::Java => java(arg),
        Kind::Perl => perl(arg),
        Kind::Ruby => ruby(arg),
        Kind::PowerShell => powershell(arg),
    }
}

fn python(arg: &str) -> Step<'_> {
    if let Some(long) = arg.strip_prefix("--") {
        return Step::Option {
            skip: usize::from(long == "check-hash-based-pycs"),
        };
    }
    let Some(cluster) = arg.strip_prefix('-') else {
        return Step::Found(Some((arg, true)));
    };
    // Short options may be joined (`-uB`); `-c`, `-m`, `-W`, `-X` end the group, their
    // value the rest of it or the next argument.
    for (i, c) in cluster.char_indices() {
        let rest = &cluster[i + c.len_utf8()..];
        match c {
            'c' => return Step::Found(None),
            'm' if rest.is_empty() => return Step::Next { path: false },
            'm' => return Step::Found(Some((rest, false))),
            'W' | 'X' | 'Q' => {
                return Step::Option {
                    skip: usize::from(rest.is_empty()),
                };
            }
            _ => {}
        }
    }
    Step::Option { skip: 0 }
}

fn shell(arg: &str) -> Step<'_> {
    if let Some(long) = arg.strip_prefix("--") {
        return Step::Option {
            skip: usize::from(matches!(long, "rcfile" | "init-file")),
        };
    }
    let Some(cluster) = arg.strip_prefix('-').or_else(|| arg.strip_prefix('+')) else {
        return Step::Found(Some((arg, true)));
    };
    // `-c` runs the code that follows, `-s` reads standard input; `-o`/`-O` take a value.
    if cluster.contains(['c', 's']) {
        return Step::Found(None);
    }
    Step::Option {
        skip: cluster.chars().filter(|c| matches!(c, 'o' | 'O')).count(),
    }
}

fn node(arg: &str) -> Step<'_> {
    let (name, inline_value) = match arg.split_once('=') {
        Some((n, _)) => (n, true),
        None => (arg, false),
    };
    match name {
        "-e" | "--eval" | "-p" | "--print" | "-pe" | "-ep" => Step::Found(None),
        "-r"
        | "--require"
        | "--import"
        | "--loader"
        | "--experimental-loader"
        | "-C"
        | "--conditions"
        | "--env-file"
        | "--title"
        | "--input-type" => Step::Option {
            skip: usize::from(!inline_value),
        },
        _ if arg.starts_with('-') => Step::Option { skip: 0 },
        _ => Step::Found(Some((arg, true))),
    }
}

fn java(arg: &str) -> Step<'_> {
    match arg {
        "-jar" => Step::Next { path: true },
        "-m" | "--module" => Step::Next { path: false },
        "-cp"
        | "-classpath"
        | "--class-path"
        | "-p"
        | "--module-path"
        | "--upgrade-module-path"
        | "--add-modules"
        | "--limit-modules"
        | "--add-reads"
        | "--add-exports"
        | "--add-opens"
        | "--patch-module"
        | "--enable-native-access" => Step::Option { skip: 1 },
        // Options, and `@argfiles` of more options.
        _ if arg.starts_with('-') || arg.starts_with('@') => Step::Option { skip: 0 },
        // The main class.
        _ => Step::Found(Some((arg, false))),
    }
}

fn perl(arg: &str) -> Step<'_> {
    let Some(cluster) = arg.strip_prefix('-') else {
        return Step::Found(Some((arg, true)));
    };
    // Switches may be joined (`-lne`); those with a value take the rest of the group (`-l`
    // and `-0` take digits only, so a group goes on after them).
    for c in cluster.chars() {
        match c {
            'e' | 'E' => return Step::Found(None),
            'I' | 'M' | 'm' | 'x' | 'd' | 'D' | 'C' | 'i' => break,
            _ => {}
        }
    }
    Step::Option { skip: 0 }
}

fn ruby(arg: &str) -> Step<'_> {
    if arg.starts_with("--") {
        return Step::Option { skip: 0 };
    }
    let Some(cluster) = arg.strip_prefix('-') else {
        return Step::Found(Some((arg, true)));
    };
    for (i, c) in cluster.char_indices() {
        let rest = &cluster[i + c.len_utf8()..];
        match c {
            'e' => return Step::Found(None),
            'I' | 'r' | 'C' | 'E' => {
                return Step::Option {
                    skip: usize::from(rest.is_empty()),
                };
            }
            _ => {}
        }
    }
    Step::Option { skip: 0 }
}

/// Only `-File x.ps1` names a script; anything else runs a command.
fn powershell(arg: &str) -> Step<'_> {
    let lower = arg.to_ascii_lowercase();
    match lower.as_str() {
        "-file" | "-f" => Step::Next { path: true },
        "-executionpolicy" | "-ep" | "-inputformat" | "-outputformat" | "-windowstyle"
        | "-configurationname" | "-workingdirectory" | "-version" | "-psconsolefile" => {
            Step::Option { skip: 1 }
        }
        a if a.starts_with('-')
            && !matches!(a, "-command" | "-c" | "-encodedcommand" | "-e" | "-ec") =>
        {
            Step::Option { skip: 0 }
        }
        _ => Step::Found(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The name rstscope gives the process `name` whose command line is `cmdline`.
    fn named(name: &str, cmdline: &str) -> String {
        let script = Script::of_joined(cmdline);
        Program {
            name,
            script: script.as_ref(),
        }
        .text()
    }

    /// An argument may be 128 KiB long, and each sighting and listed program keeps its
    /// script: a path keeps its tail (its name whole), anything else its start, 256 bytes.
    #[test]
    fn a_long_script_argument_is_cut_and_keeps_its_name() {
        let deep = format!("/{}/collector.py", "é".repeat(60_000));
        let s = Script::of(["python3", deep.as_str()]).expect("a script");
        assert!(s.given.len() <= MAX_TEXT_BYTES, "{}", s.given.len());
        assert_eq!(s.name(), "collector.py");
        let module = format!("com.example.{}", "Ü".repeat(60_000));
        let s = Script::of(["java", "-cp", "x.jar", module.as_str()]).expect("a class");
        assert!(s.given.len() <= MAX_TEXT_BYTES && s.given.starts_with("com.example."));
    }

    #[test]
    fn a_script_is_named_by_itself_with_its_interpreter() {
        let cases = [
            (
                "python3",
                "python3 /opt/collector/collector.py",
                "collector.py (python3)",
            ),
            (
                "python3",
                "/usr/bin/python3 -u -W ignore /opt/c/collector.py --port 7211",
                "collector.py (python3)",
            ),
            (
                "python3.11",
                "/opt/venv/bin/python3.11 -X dev -OO serve.py",
                "serve.py (python3.11)",
            ),
            (
                "python3",
                "python3 -m http.server 7211",
                "http.server (python3)",
            ),
            (
                "python3",
                "python3 -um http.server",
                "http.server (python3)",
            ),
            ("python3", "python3 -mhttp.server", "http.server (python3)"),
            (
                "python3",
                "python3 -- ./odd-name.py",
                "odd-name.py (python3)",
            ),
            ("bash", "bash ./poller.sh", "poller.sh (bash)"),
            (
                "bash",
                "/bin/bash -eu -o pipefail /usr/local/bin/poller.sh",
                "poller.sh (bash)",
            ),
            ("bash", "-bash --rcfile x /opt/p.sh", "p.sh (bash)"),
            (
                "sh",
                "/bin/sh /etc/init.d/collector start",
                "collector (sh)",
            ),
            ("node", "node server.js", "server.js (node)"),
            (
                "node",
                "node --inspect=9229 -r dotenv/config /srv/app/server.js",
                "server.js (node)",
            ),
            (
                "node",
                "node --require ts-node/register src/main.ts",
                "main.ts (node)",
            ),
            ("java", "java -jar collector.jar", "collector.jar (java)"),
            (
                "java",
                "/usr/bin/java -Xmx512m -Dx=y -jar /opt/c/collector-2.3.jar --port 7211",
                "collector-2.3.jar (java)",
            ),
            (
                "java",
                "java -cp lib/a.jar:lib/b.jar com.example.Collector 7211",
                "com.example.Collector (java)",
            ),
            (
                "java",
                "java -p mods -m collector/com.example.Main",
                "collector/com.example.Main (java)",
            ),
            ("perl", "perl -w /usr/local/bin/check.pl", "check.pl (perl)"),
            (
                "perl",
                "perl -I/opt/lib -MStrict check.pl",
                "check.pl (perl)",
            ),
            ("ruby", "ruby -I lib -r json bin/poll.rb", "poll.rb (ruby)"),
            (
                "pwsh",
                "pwsh -NoProfile -ExecutionPolicy Bypass -File C:\\jobs\\poll.ps1",
                "poll.ps1 (pwsh)",
            ),
            (
                "python.exe",
                r"C:\Python311\python.exe C:\svc\collector.py",
                "collector.py (python.exe)",
            ),
            // A script started by its #! line: Linux names the process after the script.
            (
                "collector.py",
                "/usr/bin/python3 ./collector.py",
                "collector.py (python3)",
            ),
        ];
        for (name, cmdline, want) in cases {
            assert_eq!(named(name, cmdline), want, "{cmdline}");
        }
    }

    #[test]
    fn inline_code_stdin_and_other_programs_keep_the_process_name() {
        let cases = [
            ("python3", "python3"),
            (
                "python3",
                "python3 -c import socket; socket.create_connection(('::1', 7211))",
            ),
            ("python3", "python3 -"),
            ("python3", "python3 -i"),
            ("bash", "bash -c while true; do nc -z 127.0.0.1 7211; done"),
            ("bash", "bash -xc echo"),
            ("bash", "bash -s arg"),
            ("bash", "bash"),
            ("node", "node -e require('net').connect(7211)"),
            ("node", "node --eval=1"),
            ("perl", "perl -lne print"),
            ("ruby", "ruby -e puts"),
            ("java", "java -version"),
            ("pwsh", "pwsh -Command Get-Date"),
            ("curl", "curl -s http://127.0.0.1:7211/"),
            ("nginx", "nginx: master process /usr/sbin/nginx"),
            // Not an interpreter, though its name starts like one.
            ("shd", "shd /x.sh"),
            ("", ""),
        ];
        for (name, cmdline) in cases {
            let want = if name.is_empty() { "?" } else { name };
            assert_eq!(named(name, cmdline), want, "{cmdline}");
        }
    }

    #[test]
    fn facts_join_the_interpreter_in_one_parenthesis() {
        let script = Script::of(["/usr/bin/python3", "/opt/collector/collector.py"]);
        let p = Program {
            name: "python3",
            script: script.as_ref(),
        };
        assert_eq!(
            p.with(["pid 4312", "/usr/bin/python3.11"]),
            "collector.py (python3, pid 4312, /usr/bin/python3.11)"
        );
        let plain = Program {
            name: "nginx",
            script: None,
        };
        assert_eq!(plain.with(["pid 880"]), "nginx (pid 880)");
        assert!(p.matches("collector"));
        assert!(p.matches("python"));
        assert!(!plain.matches("collector"));
    }

    /// The arguments as the OS gives them keep a path's spaces (a Windows folder).
    #[test]
    fn a_path_with_spaces_is_one_argument() {
        let s = Script::of([
            r"C:\Program Files\Python311\python.exe",
            r"C:\My Services\collector.py",
        ])
        .expect("a script");
        assert_eq!(s.name(), "collector.py");
        assert_eq!(s.given, r"C:\My Services\collector.py");
        assert_eq!(s.interpreter, "python.exe");
    }
}
