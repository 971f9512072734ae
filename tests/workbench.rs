//! The producer's workbench through the CLI: shell completions that bash really completes
//! with, and manual pages that man really renders.

mod common;

use std::process::Command;

#[test]
fn bash_completes_commands_and_subcommands() {
    let script = common::stdout(&common::audition(&["completions", "bash"]));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("audition.bash");
    std::fs::write(&file, script).unwrap();
    // Bash calls a completion function with the command, the word and the word before it.
    let complete = |words: &str, cword: usize, cur: &str, prev: &str| {
        let out = Command::new("bash")
            .arg("-c")
            .arg(format!(
                "source {}; COMP_WORDS=({words}); COMP_CWORD={cword}; _audition audition {cur} {prev}; echo \"${{COMPREPLY[@]}}\"",
                file.display()
            ))
            .output()
            .expect("bash runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    assert_eq!(complete("audition epi", 1, "epi", "audition"), "episodes");
    assert_eq!(
        complete("audition episodes re", 2, "re", "episodes"),
        "remove restore"
    );
    let flags = complete("audition build --ma", 2, "--ma", "build");
    assert_eq!(flags, "--max-cost");
    for shell in ["zsh", "fish"] {
        let script = common::stdout(&common::audition(&["completions", shell]));
        assert!(
            script.contains("episodes") && script.contains("watch"),
            "{shell}"
        );
    }
    let refused = common::audition(&["completions", "tcsh"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        common::stderr(&refused).contains("[possible values: bash, elvish, fish, powershell, zsh]")
    );
}

#[test]
fn the_manual_renders_with_every_command() {
    let page = common::stdout(&common::audition(&["man"]));
    assert!(page.contains(".TH audition 1"), "{page}");
    for command in ["build", "watch", "episodes", "site", "completions"] {
        assert!(
            page.contains(&format!("audition\\-{command}(1)")),
            "{command}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let written = common::audition(&["man", "--dir", dir.path().to_str().unwrap()]);
    assert!(written.status.success(), "{}", common::stderr(&written));
    let remove = dir.path().join("audition-episodes-remove.1");
    assert!(remove.exists());
    // man-db renders it, through groff (both installed by scripts/install-deps).
    let shown = Command::new("man")
        .env("MANWIDTH", "80")
        .arg("-l")
        .arg(&remove)
        .output()
        .expect("man is installed");
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(text.contains("--purge") && text.contains("trash"), "{text}");
}
