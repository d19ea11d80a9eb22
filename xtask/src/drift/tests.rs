//! Drift rules, one fixture pair each (`xtask/fixtures/drift/<rule>.{old,new}.yaml`), plus real
//! pairs from the provider specs.

use std::{fs, path::PathBuf};

use serde_json::{Value, json};

use super::*;

fn fixtures() -> PathBuf {
    crate::project_root()
        .expect("tests run inside the workspace")
        .join("xtask/fixtures/drift")
}

fn read(path: &Path) -> Value {
    let name = path.display().to_string();
    let text = fs::read_to_string(path).unwrap();
    normalize(&name, parse(&name, &text).unwrap()).unwrap()
}

/// Every fixture pair: the rule named by the file fires (or, for `no-change-*`, nothing does),
/// and the whole report is snapshotted.
#[test]
fn every_rule_has_a_fixture_that_triggers_it() {
    let mut rules: Vec<String> = fs::read_dir(fixtures())
        .unwrap()
        .filter_map(|e| {
            e.ok()?
                .file_name()
                .to_str()?
                .strip_suffix(".old.yaml")
                .map(str::to_owned)
        })
        .collect();
    rules.sort();
    assert!(rules.len() >= 60, "fixtures found: {}", rules.len());
    for rule in rules {
        let old = read(&fixtures().join(format!("{rule}.old.yaml")));
        let new = read(&fixtures().join(format!("{rule}.new.yaml")));
        let changes = diff(&old, &new);
        if rule.starts_with("no-change") {
            assert!(changes.is_empty(), "{rule}: {}", report_text(&changes));
        } else {
            assert!(
                changes.iter().any(|c| c.rule == rule),
                "{rule} did not fire:\n{}",
                report_text(&changes)
            );
        }
        insta::assert_snapshot!(rule.clone(), report_text(&changes));
    }
}

fn class_of(changes: &[Change], rule: &str, pointer_end: &str) -> Class {
    changes
        .iter()
        .find(|c| c.rule == rule && c.pointer.ends_with(pointer_end))
        .unwrap_or_else(|| panic!("no {rule} at ...{pointer_end}:\n{}", report_text(changes)))
        .class
}

/// The odkkk document as published (OpenAPI 3.1) against its 3.0 normal form: no semantic
/// change, although the version string and 3.1-only syntax differ.
#[test]
fn odkkk_31_document_against_its_30_form_reports_nothing() {
    let path = crate::project_root()
        .expect("tests run inside the workspace")
        .join("specs/odkkk/sources/video-generate.openapi-3.1.transcribed.json");
    let published: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(published["openapi"], "3.1.0");
    let mut normal = published.clone();
    transform::downgrade(&mut normal).unwrap();
    assert_eq!(normal["openapi"], "3.0.3");
    let changes = diff(&normalize("published", published).unwrap(), &normal);
    assert!(changes.is_empty(), "{}", report_text(&changes));
}

/// Modellix's 1.5 Pro I2V request against its 2.0 Fast I2V request, as if one operation evolved.
#[test]
fn modellix_15_pro_to_20_fast_is_classed_correctly() {
    let seed = |file: &str| -> Value {
        let path = crate::project_root()
            .expect("tests run inside the workspace")
            .join("specs/modellix/sources")
            .join(file);
        let item: Value = serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
        json!({
            "openapi": "3.0.3",
            "info": {"title": "modellix i2v", "version": "1"},
            "paths": {"/bytedance/i2v": {"post": item["post"]}},
        })
    };
    let changes = diff(
        &seed("000_684441281eb18b4f.txt"),
        &seed("002_72a763f6d751a0fa.txt"),
    );
    let at = |field: &str| format!("/properties/{field}/enum");
    assert_eq!(
        class_of(&changes, "operation-id-changed", "/operationId"),
        Class::Breaking
    );
    assert_eq!(
        class_of(&changes, "request-enum-value-removed", &at("resolution")),
        Class::Breaking,
        "1080p removed"
    );
    assert_eq!(
        class_of(&changes, "request-enum-value-removed", &at("ratio")),
        Class::Breaking,
        "adaptive removed"
    );
    assert_eq!(
        class_of(&changes, "request-enum-value-added", &at("duration")),
        Class::Safe,
        "13-15 s added"
    );
    assert_eq!(
        class_of(
            &changes,
            "request-property-added",
            "/properties/reference_images"
        ),
        Class::Safe
    );
    assert_eq!(
        class_of(&changes, "request-property-added", "/properties/audio_urls"),
        Class::Safe
    );
    assert_eq!(
        class_of(
            &changes,
            "request-maximum-loosened",
            "/properties/seed/maximum"
        ),
        Class::Safe
    );
    assert_eq!(
        class_of(
            &changes,
            "request-property-removed",
            "/properties/service_tier"
        ),
        Class::Breaking
    );
    assert_eq!(
        class_of(
            &changes,
            "request-default-changed",
            "/properties/ratio/default"
        ),
        Class::Breaking
    );
    assert_eq!(
        class_of(
            &changes,
            "request-property-became-required",
            "/properties/prompt"
        ),
        Class::Breaking
    );
    insta::assert_snapshot!("modellix_15_pro_to_20_fast", report_text(&changes));
}

/// An unchanged spec reports nothing; inputs that cannot be read name the file and the place.
#[test]
fn unchanged_spec_and_unreadable_inputs() {
    let spec = crate::project_root()
        .expect("tests run inside the workspace")
        .join("specs/jiekou/openapi.json");
    let doc = read(&spec);
    assert!(diff(&doc, &doc).is_empty());

    let err = parse("broken.yaml", "openapi: 3.0.3\npaths: [\n")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("broken.yaml:3:1: not valid YAML"), "{err}");
    let err = parse("broken.json", "{\n  \"openapi\": }")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("broken.json:2:14: not valid JSON"), "{err}");
    let err = parse("swagger.json", "{\"swagger\": \"2.0\"}")
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "swagger.json: at /openapi: \"\" is not an OpenAPI 3.0 or 3.1 document"
    );
    let err = load("/no/such/file.json").unwrap_err().to_string();
    assert!(err.starts_with("/no/such/file.json: cannot read"), "{err}");
}

/// The provider mode goes through the same assembly and patches: the committed primary source
/// against itself is no change, and a published document that drops a request property is.
#[test]
fn provider_mode_reuses_the_assembly() {
    let root = crate::project_root().expect("tests run inside the workspace");
    let primary = root.join("specs/odkkk/sources/video-generate.openapi-3.1.transcribed.json");
    let (old, new, failures) = provider_pair(&root, "odkkk", primary.to_str().unwrap()).unwrap();
    assert!(failures.is_empty(), "{failures:?}");
    assert!(
        diff(&old, &new).is_empty(),
        "{}",
        report_text(&diff(&old, &new))
    );

    let mut published: Value =
        serde_json::from_str(&fs::read_to_string(&primary).unwrap()).unwrap();
    published["components"]["schemas"]["VideoGenerationRequest"]["properties"]
        .as_object_mut()
        .unwrap()
        .remove("quality");
    let dir = std::env::temp_dir().join(format!("seedance-drift-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join("published.json");
    fs::write(&path, serde_json::to_string(&published).unwrap()).unwrap();
    let (old, new, _) = provider_pair(&root, "odkkk", path.to_str().unwrap()).unwrap();
    let changes = diff(&old, &new);
    assert_eq!(
        class_of(&changes, "request-property-removed", "/properties/quality"),
        Class::Breaking
    );
    let _ = fs::remove_dir_all(&dir);
}

/// `drift --provider ark`: Ark's primary source is our transcription of the BytePlus pages
/// (BytePlus publishes no OpenAPI document), so a re-transcription is compared through the same
/// patches; the committed one is no change, and one that drops a field is breaking.
#[test]
fn provider_mode_works_for_ark() {
    let root = crate::project_root().expect("tests run inside the workspace");
    let primary = root.join("specs/ark/sources/content-generation.transcribed.json");
    let (old, new, failures) = provider_pair(&root, "ark", primary.to_str().unwrap()).unwrap();
    assert!(failures.is_empty(), "{failures:?}");
    assert!(
        diff(&old, &new).is_empty(),
        "{}",
        report_text(&diff(&old, &new))
    );

    let mut published: Value =
        serde_json::from_str(&fs::read_to_string(&primary).unwrap()).unwrap();
    published["components"]["schemas"]["CreateTaskRequest"]["properties"]
        .as_object_mut()
        .unwrap()
        .remove("frames");
    let dir = std::env::temp_dir().join(format!("seedance-drift-ark-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join("published.json");
    fs::write(&path, serde_json::to_string(&published).unwrap()).unwrap();
    let (old, new, _) = provider_pair(&root, "ark", path.to_str().unwrap()).unwrap();
    let changes = diff(&old, &new);
    assert_eq!(
        class_of(&changes, "request-property-removed", "/properties/frames"),
        Class::Breaking
    );
    let _ = fs::remove_dir_all(&dir);
}

/// The acceptance case: an unchanged spec exits 0; one with a removed request property, a
/// narrowed enum, a new required property and a renamed operationId exits 1 naming each; an
/// unreadable input exits 2.
#[test]
fn exit_codes_of_the_command() {
    let root = crate::project_root().expect("tests run inside the workspace");
    let spec = root.join("specs/modellix/openapi.json");
    let spec_arg = spec.to_str().unwrap().to_owned();
    let run_with = |args: &[&str]| {
        run(
            &root,
            &args.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>(),
        )
        .unwrap()
    };
    assert_eq!(run_with(&[&spec_arg, &spec_arg]), ExitCode::SUCCESS);

    let mut doc: Value = serde_json::from_str(&fs::read_to_string(&spec).unwrap()).unwrap();
    let operation = doc
        .pointer_mut("/paths/~1bytedance~1seedance-1.5-pro-t2v/post")
        .unwrap();
    operation["operationId"] = json!("seedance15ProTextToVideo");
    let body = &mut operation["requestBody"]["content"]["application/json"]["schema"];
    body["properties"].as_object_mut().unwrap().remove("seed");
    body["properties"]["resolution"]["enum"] = json!(["480p", "720p"]);
    body["properties"]["model"] = json!({"type": "string"});
    body["required"]
        .as_array_mut()
        .unwrap()
        .push(json!("model"));
    let dir = std::env::temp_dir().join(format!("seedance-drift-exit-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let changed = dir.join("changed.json");
    fs::write(&changed, serde_json::to_string(&doc).unwrap()).unwrap();
    let changes = diff(&read(&spec), &read(&changed));
    for rule in [
        "operation-id-changed",
        "request-property-removed",
        "request-enum-value-removed",
        "request-property-added-required",
    ] {
        assert!(
            changes
                .iter()
                .any(|c| c.rule == rule && c.class == Class::Breaking),
            "{rule}"
        );
    }
    assert_eq!(
        run_with(&[&spec_arg, changed.to_str().unwrap()]),
        ExitCode::FAILURE
    );
    assert_eq!(
        run_with(&[&spec_arg, "/no/such/spec.yaml"]),
        ExitCode::from(2)
    );
    assert_eq!(
        run_with(&[&spec_arg, changed.to_str().unwrap(), "--fail-on", "bogus"]),
        ExitCode::from(2)
    );
    let _ = fs::remove_dir_all(&dir);
}

/// A document given as an http(s) URL is fetched (here from a one-shot server on loopback).
#[test]
fn documents_load_from_urls() {
    use std::{
        io::{Read, Write},
        net::TcpListener,
    };
    let yaml = fs::read_to_string(fixtures().join("operation-added.new.yaml")).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/spec.yaml", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut request = [0u8; 1024];
        let _ = stream.read(&mut request).unwrap();
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            yaml.len()
        );
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(yaml.as_bytes()).unwrap();
    });
    let fetched = load(&url).unwrap();
    server.join().unwrap();
    assert_eq!(fetched, read(&fixtures().join("operation-added.new.yaml")));
    let refused = load("http://127.0.0.1:9/spec.yaml")
        .unwrap_err()
        .to_string();
    assert!(
        refused.starts_with("http://127.0.0.1:9/spec.yaml: cannot fetch"),
        "{refused}"
    );
}
