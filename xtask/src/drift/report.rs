//! The readable `drift` report: changes grouped by operation, then a count per class.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Change, Class};

/// The readable report, grouped by operation.
pub(crate) fn report_text(changes: &[Change]) -> String {
    if changes.is_empty() {
        return "no semantic changes\n".into();
    }
    let mut by_operation: BTreeMap<&str, Vec<&Change>> = BTreeMap::new();
    for change in changes {
        by_operation
            .entry(&change.operation)
            .or_default()
            .push(change);
    }
    let mut out = String::new();
    for (operation, changes) in by_operation {
        out.push_str(operation);
        out.push('\n');
        for change in changes {
            out.push_str(&format!(
                "  {:<9} {}: {}\n",
                change.class.to_string().to_uppercase(),
                change.rule,
                change.message
            ));
            out.push_str(&format!("            at {}\n", change.pointer));
            if change.old.is_some() || change.new.is_some() {
                let show = |v: &Option<Value>| {
                    v.as_ref()
                        .map_or("(none)".into(), |v| truncate(&v.to_string()))
                };
                out.push_str(&format!(
                    "            {} -> {}\n",
                    show(&change.old),
                    show(&change.new)
                ));
            }
        }
    }
    let count = |class| changes.iter().filter(|c| c.class == class).count();
    out.push_str(&format!(
        "\n{} breaking, {} risky, {} safe\n",
        count(Class::Breaking),
        count(Class::Risky),
        count(Class::Safe)
    ));
    out
}

fn truncate(text: &str) -> String {
    if text.chars().count() <= 120 {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(120).collect::<String>())
    }
}
