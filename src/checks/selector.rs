//! Kubernetes label selectors (`matchLabels` + `matchExpressions`), as used by aggregated
//! ClusterRoles, NetworkPolicies and Cilium policies.

use std::collections::BTreeMap;

use crate::document::Doc;

/// The labels of an object's metadata (or of a pod template's metadata).
pub fn labels_of(meta: &Doc) -> BTreeMap<String, String> {
    meta.get("labels")
        .and_then(Doc::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.to_string(), s.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// The labels a `namespaceSelector` sees on namespace `name`: those of its Namespace
/// object's metadata (none when it is not in the input) and the `kubernetes.io/metadata.name`
/// label the API server sets on every namespace.
pub fn namespace_labels(meta: Option<&Doc>, name: &str) -> BTreeMap<String, String> {
    let mut labels = meta.map(labels_of).unwrap_or_default();
    labels.insert("kubernetes.io/metadata.name".into(), name.into());
    labels
}

/// Whether a selector selects everything (`{}`, or no terms at all).
pub fn is_empty(selector: &Doc) -> bool {
    let none = |k: &str| match selector.get(k) {
        None | Some(Doc::Null) => true,
        Some(Doc::Object(m)) => m.is_empty(),
        Some(Doc::Array(a)) => a.is_empty(),
        _ => false,
    };
    none("matchLabels") && none("matchExpressions")
}

/// Whether one `matchExpressions` requirement holds for a label's value (`None`: the label is
/// absent); an unknown operator never holds.
pub fn expression_holds(expression: &Doc, have: Option<&str>) -> bool {
    let values: Vec<&str> = expression
        .get("values")
        .and_then(Doc::as_array)
        .map(|a| a.iter().filter_map(Doc::as_str).collect())
        .unwrap_or_default();
    match expression.get("operator").and_then(Doc::as_str) {
        Some("In") => have.is_some_and(|v| values.contains(&v)),
        Some("NotIn") => !have.is_some_and(|v| values.contains(&v)),
        Some("Exists") => have.is_some(),
        Some("DoesNotExist") => have.is_none(),
        _ => false,
    }
}

/// Whether a label selector selects these labels. An unknown operator selects nothing; a
/// `matchLabels` value left empty (`null`) is `""`, as the API server decodes it, and
/// selects only objects that have the label with that empty value.
pub fn selects(selector: &Doc, labels: &BTreeMap<String, String>) -> bool {
    if let Some(ml) = selector.get("matchLabels").and_then(Doc::as_object) {
        for (k, v) in ml {
            let want = if v.is_null() { Some("") } else { v.as_str() };
            if labels.get(k).map(String::as_str) != want {
                return false;
            }
        }
    }
    if let Some(exprs) = selector.get("matchExpressions").and_then(Doc::as_array) {
        for e in exprs {
            let key = e.get("key").and_then(Doc::as_str).unwrap_or_default();
            let have = labels.get(key).map(String::as_str);
            if !expression_holds(e, have) {
                return false;
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn selects_by_labels_and_expressions() {
        let l: BTreeMap<String, String> = [("app".to_string(), "web".to_string())].into();
        assert!(selects(&crate::document::Doc::from(json!({})), &l));
        assert!(is_empty(&crate::document::Doc::from(json!({}))));
        assert!(selects(
            &crate::document::Doc::from(json!({"matchLabels": {"app": "web"}})),
            &l
        ));
        assert!(!selects(
            &crate::document::Doc::from(json!({"matchLabels": {"app": "db"}})),
            &l
        ));
        assert!(selects(
            &crate::document::Doc::from(
                json!({"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]})
            ),
            &l
        ));
        assert!(!is_empty(&crate::document::Doc::from(
            json!({"matchLabels": {"a": "b"}})
        )));
        // `tier:` with nothing after it is `tier: ""`: a pod without the label is not selected.
        let empty_value = crate::document::Doc::from(json!({"matchLabels": {"tier": null}}));
        assert!(!selects(&empty_value, &l));
        let tiered: BTreeMap<String, String> = [("tier".to_string(), String::new())].into();
        assert!(selects(&empty_value, &tiered));
    }
}
