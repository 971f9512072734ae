//! The shipped deployment files (Dockerfile, deploy/compose.yaml, deploy/kubernetes/) as far
//! as they can be checked offline: every YAML parses, every command a container runs is
//! accepted by the real `audition` argument parser, the Dockerfile's stages and
//! instructions hold together, and every `audition` line of the README's "Running at
//! scale" is a command the binary accepts. `docker compose config` and `docker build` run
//! too where a Docker with the compose plugin is installed.

mod common;

use std::process::Command;

/// Asks the real parser about `args` (`--help` after them: unknown flags or a missing
/// subcommand still fail, and nothing runs).
fn accepted(args: &[String]) -> Result<(), String> {
    let output = Command::new(env!("CARGO_BIN_EXE_audition"))
        .args(args)
        .arg("--help")
        .output()
        .unwrap();
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

fn yaml(path: &str) -> serde_yaml_ng::Value {
    let text = std::fs::read_to_string(common::root().join(path)).unwrap();
    serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{path} does not parse: {e}"))
}

fn strings(value: &serde_yaml_ng::Value) -> Vec<String> {
    value
        .as_sequence()
        .map(|s| {
            s.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn every_container_command_is_one_audition_accepts() {
    let compose = yaml("deploy/compose.yaml");
    let services = compose["services"].as_mapping().unwrap();
    let mut checked = 0;
    for (name, service) in services {
        if service.get("build").is_some() {
            let args = strings(&service["command"]);
            assert!(!args.is_empty(), "{name:?} runs no command");
            accepted(&args).unwrap_or_else(|e| panic!("compose {name:?}: {e}"));
            checked += 1;
        }
    }
    assert_eq!(checked, 2, "the worker and the watcher");
    for (file, containers) in [
        (
            "deploy/kubernetes/worker.yaml",
            &["spec", "template", "spec", "containers"][..],
        ),
        (
            "deploy/kubernetes/watch.yaml",
            &[
                "spec",
                "jobTemplate",
                "spec",
                "template",
                "spec",
                "containers",
            ][..],
        ),
    ] {
        let document = yaml(file);
        let list = containers.iter().fold(&document, |v, key| &v[*key]);
        let container = &list[0];
        assert_eq!(
            container["envFrom"][0]["secretRef"]["name"], "audition",
            "{file}"
        );
        accepted(&strings(&container["args"])).unwrap_or_else(|e| panic!("{file}: {e}"));
    }
    let secret = yaml("deploy/kubernetes/secret.yaml");
    assert_eq!(secret["kind"], "Secret");
    assert!(secret["stringData"]["AUDITION_QUEUE"].is_string());
}

#[test]
fn the_dockerfile_holds_together() {
    let text = std::fs::read_to_string(common::root().join("Dockerfile")).unwrap();
    let known = [
        "FROM",
        "RUN",
        "COPY",
        "WORKDIR",
        "USER",
        "ENTRYPOINT",
        "CMD",
        "ENV",
        "ARG",
    ];
    let mut stages = Vec::new();
    let mut continued = false;
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if !continued {
            let instruction = line.split_whitespace().next().unwrap();
            assert!(known.contains(&instruction), "unknown instruction: {line}");
            if instruction == "FROM" {
                if let Some((_, stage)) = line.split_once(" AS ") {
                    stages.push(stage.trim().to_string());
                }
            }
            if let Some(from) = line.strip_prefix("COPY --from=") {
                let stage = from.split_whitespace().next().unwrap();
                assert!(stages.iter().any(|s| s == stage), "no stage {stage}");
            }
            if let Some(cmd) = line.strip_prefix("CMD ") {
                let args: Vec<String> = serde_json::from_str(cmd).unwrap();
                accepted(&args).unwrap();
            }
        }
        continued = line.ends_with('\\');
    }
    assert_eq!(stages, ["build"]);
    let docker_compose = Command::new("docker").args(["compose", "version"]).output();
    if docker_compose.is_ok_and(|o| o.status.success()) {
        let config = Command::new("docker")
            .args(["compose", "-f", "deploy/compose.yaml", "config", "-q"])
            .current_dir(common::root())
            .status()
            .unwrap();
        assert!(
            config.success(),
            "docker compose config refused deploy/compose.yaml"
        );
    }
}

#[test]
fn the_readme_scale_steps_are_commands_audition_accepts() {
    let readme = std::fs::read_to_string(common::root().join("README.md")).unwrap();
    let section = readme
        .split("## Running at scale")
        .nth(1)
        .expect("the README has a Running at scale section");
    let section = section.split("\n## ").next().unwrap();
    let mut checked = 0;
    for line in section.lines().map(str::trim) {
        let Some(rest) = line.strip_prefix("target/release/audition ") else {
            continue;
        };
        let args: Vec<String> = rest
            .split_whitespace()
            .take_while(|w| !w.starts_with('#') && *w != "&")
            .map(|w| w.trim_matches('"').to_string())
            .collect();
        accepted(&args).unwrap_or_else(|e| panic!("README: {line}: {e}"));
        checked += 1;
    }
    assert!(checked >= 4, "{checked} commands found");
}
